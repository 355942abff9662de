import http from 'node:http';
import { ConfigError, readConfig, type UploadConfig } from './tus/config';
import { servingNodeRequest } from './tus/node-request';

/**
 * The production HTTP server: Next.js (the app and the upload endpoint)
 * behind a Node http.Server this app configures itself. `next start` keeps
 * Node's 300 s cap on every request and no idle timeout; an upload server
 * needs the opposite: no cap on a PATCH that keeps moving, and a connection
 * that sends nothing closed after UPLOAD_IDLE_TIMEOUT (slowloris). It also
 * shuts down gracefully: on SIGTERM it stops accepting, lets running requests
 * store what they received for SHUTDOWN_GRACE, then cuts what is left.
 */
async function main(): Promise<void> {
  let settings: UploadConfig;
  try {
    settings = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`[upload] cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // Next.js reads NODE_ENV when it loads: set before the import.
  Object.assign(process.env, { NODE_ENV: 'production' });
  const { default: next } = await import('next');
  const app = next({ dev: false, dir: __dirname, hostname: settings.host, port: settings.port });
  await app.prepare();
  const handle = app.getRequestHandler();

  // requestTimeout 0: no cap on the total duration of a request (a large PATCH may take hours).
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    if (refusedMethod(req, res)) return;
    // The upload endpoint reads request bodies from the Node stream (tus/node-request.ts).
    const loaded = dispatch;
    const direct = loaded?.directRequest(req);
    if (loaded && direct)
      servingNodeRequest(req, () => void loaded.serveDirectly(req, direct, res).catch((error: unknown) => failed(res, error)));
    else servingNodeRequest(req, () => void handle(req, res));
  });
  // The socket idle timeout: a connection silent this long is destroyed; every byte re-arms it.
  server.timeout = settings.idleTimeoutMs;
  // Loaded once the server listens, not before: a restart answers as soon as Next.js is ready
  // (clients retry against it), and Next.js serves the endpoint until this is in.
  let dispatch: typeof import('./tus/direct-dispatch') | undefined;
  server.once('listening', () => {
    import('./tus/direct-dispatch').then(
      (loaded) => (dispatch = loaded),
      (error: unknown) => console.error('[server] upload requests stay with Next.js:', error),
    );
  });
  server.listen(settings.port, settings.host, () => {
    console.log(`[server] listening on http://${settings.host}:${settings.port} (idle timeout ${settings.idleTimeoutMs / 1000} s)`);
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: no new connections; running requests have ${settings.shutdownGraceMs / 1000} s`);
    server.close(() => {
      console.log('[server] stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    // A PATCH still running then is cut: what it stored stays, and its client resumes from there.
    setTimeout(() => server.closeAllConnections(), settings.shutdownGraceMs).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/**
 * Methods the Fetch standard forbids in a `Request`: Next.js throws building
 * one for a route handler and answers 500 before any code of the app runs
 * (the hostile-input test found it with TRACE). No route serves them: 405.
 */
const FORBIDDEN_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);

function refusedMethod(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!FORBIDDEN_METHODS.has(req.method ?? '')) return false;
  // Closed after the answer: kept alive after a refused body, the connection's next request was seen reset under load.
  const body = `ERR_METHOD_NOT_ALLOWED: ${req.method} is not served here\n`;
  res.writeHead(405, {
    Allow: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
    'Content-Type': 'text/plain; charset=utf-8',
    Connection: 'close',
  });
  res.end(body);
  return true;
}

/** The endpoint answers every failure itself; this is for one that escapes while answering. */
function failed(res: http.ServerResponse, error: unknown): void {
  console.error('[server] a request to the upload endpoint failed:', error);
  if (res.headersSent) res.destroy();
  else res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Something went wrong with that request\n');
}

main().catch((error: unknown) => {
  console.error('[server] failed to start:', error);
  process.exit(1);
});
