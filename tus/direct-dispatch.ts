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
export async function serveDirectly(request: Request, res: ServerResponse): Promise<void> {
  // Next.js holds requests until instrumentation has started the engine; this path must wait too, or a
  // request served during the start-up repair could have its fresh files removed as debris of a crash.
  await uploadEngine().started;
  const response = await handleUploadRequest(request);
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.end(body);
}
