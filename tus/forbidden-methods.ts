import http from 'node:http';

/**
 * Methods the Fetch standard forbids in a `Request`. Next.js builds one for
 * every route handler and throws on these, which it answers with a 500 before
 * any code of the app runs (the hostile-input test found it with TRACE). No
 * route serves them, so the HTTP server answers them itself: 405, as for any
 * other method a route does not export.
 */
const FORBIDDEN_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);
const ALLOWED = 'GET, HEAD, POST, PATCH, DELETE, OPTIONS';

let installed = false;

/** Answers forbidden methods with 405 on every HTTP server of this process, from now on. */
export function refuseForbiddenMethods(): void {
  if (installed) return;
  installed = true;
  const prototype = http.Server.prototype;
  const emit = prototype.emit;
  prototype.emit = function emitUnlessForbidden(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      if (FORBIDDEN_METHODS.has(req.method ?? '')) {
        const body = `ERR_METHOD_NOT_ALLOWED: ${req.method} is not served here\n`;
        res.writeHead(405, { Allow: ALLOWED, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  };
}
