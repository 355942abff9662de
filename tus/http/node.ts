import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { EndpointAnswer } from '../endpoint';
import { reasonOf } from './answer';
import { fromNode, type UploadRequest } from './request';

/**
 * The endpoint served on Node's own request and response: the body is read
 * straight from the socket and the answer written with one writeHead, no Web
 * Request or Response in between.
 */
export function nodeHandler(serve: (req: UploadRequest) => Promise<EndpointAnswer>) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = await serve(fromNode(req, res));
    if (!req.complete) lingerOverUnreadBody(req, answer);
    const { status, headers, body } = answer;
    const bodiless = status === 204 || status === 304 || req.method === 'HEAD';
    // writeHead sends the head as given: the length Node would add to a one-piece body is set here.
    if (!bodiless && typeof body === 'string') headers['Content-Length'] = String(Buffer.byteLength(body));
    else if (!bodiless && body === null) headers['Content-Length'] = '0';
    const reason = reasonOf(status);
    if (reason) res.writeHead(status, reason, headers);
    else res.writeHead(status, headers);
    if (body === null || bodiless) {
      res.end();
      // A stream nobody will read is released (a download's open file).
      if (body !== null && typeof body !== 'string') void body.cancel().catch(() => undefined);
    } else if (typeof body === 'string') {
      res.end(body);
    } else {
      // A client that goes away mid-download ends the pipeline: the store's stream is cancelled and closes its file.
      await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), res).catch(() => undefined);
    }
  };
}

/** The longest a connection stays open after its answer to take in the rest of a body nobody reads. */
const LINGER_MS = 30_000;

/**
 * A refusal (a 409 on a large PATCH, a 413), or a PATCH cut short because
 * another request wants the upload, is answered before its body was read to
 * the end. Closing the connection then closes it with received bytes unread:
 * the kernel resets such a connection, and a reset can wipe the answer out of
 * the client's buffers before it is read. Instead the connection stays open
 * while the rest of the body is read and dropped (a lingering close, as nginx
 * does), for LINGER_MS at most; a client that goes silent meanwhile is cut by
 * the idle timeout.
 */
function lingerOverUnreadBody(req: IncomingMessage, answer: EndpointAnswer): void {
  delete answer.headers.Connection;
  const cut = setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
  const stop = () => clearTimeout(cut);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}
