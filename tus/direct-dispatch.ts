import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleUploadRequest } from './endpoint';
import { uploadEngine } from './server';
import { UPLOAD_ROUTE } from './upload-url';

/**
 * The tus requests our own HTTP server (serve.ts) hands to the endpoint
 * without Next.js's router in between: the same handler the route runs, in
 * the same process and origin. Next.js costs a fixed time per request (route
 * resolution, a Request and a Response built twice, its async storage): a
 * route that does nothing was measured at about 400 requests/s on the
 * project's 2-core machine, below the 660 tiny uploads/s the server aims for.
 *
 * Only exact upload URLs (the creation URL, or one 32-hex-digit id, no query)
 * and tus's own methods come here; downloads (GET) and anything unusual
 * (encoded or dot segments, which Next.js normalises) go through Next.js.
 */
const DIRECT_PATH = new RegExp(`^${UPLOAD_ROUTE}(?:/[0-9a-f]{32})?$`);
const DIRECT_METHODS = new Set(['POST', 'PATCH', 'HEAD', 'OPTIONS', 'DELETE']);

/**
 * The request as the route would receive it, or null when it is not one to
 * serve directly (or cannot be expressed as a `Request`: Next.js then
 * answers it as it always did). Its body stays in the Node request, where
 * the endpoint reads it (node-request.ts).
 */
export function directRequest(req: IncomingMessage): Request | null {
  const host = req.headers.host;
  if (!DIRECT_METHODS.has(req.method ?? '') || !DIRECT_PATH.test(req.url ?? '') || !host) return null;
  try {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    return new Request(new URL(req.url ?? '/', `http://${host}`), { method: req.method, headers });
  } catch {
    return null;
  }
}

/** Answers `request` (from directRequest) on `res`. Answers to tus methods are short texts at most. */
export async function serveDirectly(req: IncomingMessage, request: Request, res: ServerResponse): Promise<void> {
  // Next.js holds requests until instrumentation has started the engine; this path must wait too, or a
  // request served during the start-up repair could have its fresh files removed as debris of a crash.
  await uploadEngine().started;
  const response = await handleUploadRequest(request);
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (!req.complete) lingerOverUnreadBody(req, res);
  res.end(body);
}

/** The longest a connection stays open after its answer to take in the rest of a body nobody reads. */
const LINGER_MS = 30_000;

/**
 * A refusal (a 409 on a large PATCH, a 413), or a PATCH cut short because
 * another request wants the upload, is answered before its body was read to
 * the end. Closing the connection then, as the answer's `Connection: close`
 * asks, closes it with received bytes unread: the kernel resets such a
 * connection, and a reset can wipe the answer out of the client's buffers
 * before it is read. Instead the connection stays open while the rest of the
 * body is read and dropped (a lingering close, as nginx does), for LINGER_MS
 * at most; a client that goes silent meanwhile is cut by the idle timeout.
 */
function lingerOverUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.removeHeader('Connection');
  const cut = setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
  const stop = () => clearTimeout(cut);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}
