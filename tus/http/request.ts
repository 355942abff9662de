import { STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { reasonOf, type AnswerHeaders } from './answer';

/**
 * A request to the upload endpoint as the handlers read it, whichever server
 * received it. The Node adapter reads it straight off an IncomingMessage (no
 * Web Request is built on the hot path); the Web adapter off a `Request`.
 */
export interface UploadRequest {
  /** Upper-case method, after X-HTTP-Method-Override. */
  readonly method: string;
  /** The path as received, still percent-encoded, without the query. */
  readonly path: string;
  /** `http://host[:port]` as this server was reached (relative URLs resolve against it). */
  readonly origin: string;
  /** A header's value by lower-case name; repeated headers joined by a comma. Null when absent. */
  header(name: string): string | null;
  /** The body as a Node stream; read it once. */
  body(): Readable;
  /**
   * A request trailer's value by lower-case name (repeated ones joined by a comma), null when it was not sent.
   * Only once the body has ended: before, the trailers have not arrived. Absent where the transport cannot
   * deliver trailers (a Web `Request` has none), so that a checksum announced as a trailer is refused there
   * rather than never checked.
   */
  trailer?(name: string): string | null;
  /** What hooks are told of the request (tusd's HTTPRequest); built only when a hook asks. */
  describe(): RequestDescription;
  /**
   * Sends an interim (1xx) response ahead of the answer. Present only where
   * the server can send one (Node's own response over HTTP/1.1); a Web
   * `Request` cannot, so there the answer alone says what the interim would have.
   */
  readonly inform?: (status: number, fields: AnswerHeaders) => void;
}

/** The request as hooks see it. */
export interface RequestDescription {
  /** The path and query as received. */
  target: string;
  /** The peer's `address:port`, or empty when the server does not say (a Next.js route). */
  remoteAddr: string;
  /** Every header by lower-case name, each value apart. */
  headers: Record<string, string[]>;
}

/** Reads the request a Node server received; the body is the IncomingMessage itself, interim responses go out on `res`. */
export function fromNode(req: IncomingMessage, res?: ServerResponse): UploadRequest {
  return new NodeRequest(req, res);
}

/** Node's own way to write raw lines ahead of the head, as writeContinue and writeEarlyHints do; not in its typings. */
type RawWriter = ServerResponse & { _writeRaw?: (data: string, encoding: BufferEncoding) => boolean };

/** A class, not an object of closures: one of these is made per request on the hot path. */
class NodeRequest implements UploadRequest {
  readonly method: string;
  readonly path: string;
  readonly origin: string;

  readonly inform?: (status: number, fields: AnswerHeaders) => void;

  constructor(
    private readonly req: IncomingMessage,
    res?: RawWriter,
  ) {
    const host = req.headers.host ?? 'localhost';
    this.method = req.method ?? 'GET';
    this.path = pathOf(req.url ?? '/', host);
    this.origin = `${(req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http'}://${host}`;
    // An HTTP/1.0 client must not be sent a 1xx (RFC 9110, 15.2).
    if (res && typeof res._writeRaw === 'function' && (req.httpVersionMajor > 1 || req.httpVersionMinor >= 1)) {
      this.inform = (status, fields) => writeInterim(res, status, fields);
    }
  }

  header(name: string): string | null {
    const value = this.req.headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  body(): Readable {
    return this.req;
  }

  trailer(name: string): string | null {
    // Node fills the trailers in when the message is complete. Read earlier, they are empty, and Node keeps that empty
    // set for good: a trailer asked for too soon would read as "not sent" even after it came.
    if (!this.req.complete) throw new Error('request trailers are read once the body has ended');
    const value = this.req.trailersDistinct[name];
    return value === undefined ? null : value.join(', ');
  }

  describe(): RequestDescription {
    const { remoteAddress, remotePort } = this.req.socket;
    const address = remoteAddress?.includes(':') ? `[${remoteAddress}]` : remoteAddress;
    return {
      target: this.req.url ?? '/',
      remoteAddr: address === undefined ? '' : `${address}:${remotePort ?? 0}`,
      headers: { ...this.req.headersDistinct } as Record<string, string[]>,
    };
  }
}

/**
 * One interim response, written raw ahead of the final head as Node writes
 * its own 100 and 103. Nothing is written once the head is out, nor for a
 * field Node would refuse in a head (no line breaks can be smuggled in).
 */
function writeInterim(res: RawWriter, status: number, fields: AnswerHeaders): void {
  if (res.headersSent || res.writableEnded) return;
  let head = `HTTP/1.1 ${status} ${reasonOf(status) ?? STATUS_CODES[status] ?? ''}\r\n`;
  try {
    for (const [name, value] of Object.entries(fields)) {
      validateHeaderName(name);
      validateHeaderValue(name, value);
      head += `${name}: ${value}\r\n`;
    }
  } catch {
    return;
  }
  res._writeRaw?.(`${head}\r\n`, 'latin1');
}

/**
 * Reads a Web `Request` (a Next.js route, `next dev`); its body is adapted when read. It has no `trailer`:
 * the Fetch API hands over a request's body but never its trailers.
 */
export function fromWeb(request: Request): UploadRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    origin: url.origin,
    header: (name) => request.headers.get(name),
    body: () =>
      // The DOM and Node typings of ReadableStream differ only in name.
      request.body ? Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>) : Readable.from([]),
    describe: () => {
      const headers: Record<string, string[]> = {};
      // The Fetch API joins repeated headers; set-cookie is the one it keeps apart.
      request.headers.forEach((value, name) => (headers[name] = [value]));
      return { target: url.pathname + url.search, remoteAddr: '', headers };
    },
  };
}

/** The same request under another method (X-HTTP-Method-Override). */
export function withMethod(req: UploadRequest, method: string): UploadRequest {
  return {
    method,
    path: req.path,
    origin: req.origin,
    header: (name) => req.header(name),
    body: () => req.body(),
    trailer: req.trailer?.bind(req),
    describe: () => req.describe(),
    inform: req.inform,
  };
}

/** The path of an origin-form request target (`/a?b`): everything before the query. */
export function originFormPath(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** The path of a request target: origin-form (`/a?b`) as is, absolute-form (`http://h/a`) parsed. */
function pathOf(target: string, host: string): string {
  if (target.startsWith('/')) return originFormPath(target);
  try {
    return new URL(target, `http://${host}`).pathname;
  } catch {
    return target;
  }
}
