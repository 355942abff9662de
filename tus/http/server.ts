import http from 'node:http';
import type { UploadEngine } from '../engine';
import { startMetricsServer } from '../metrics/server';
import { uploadEngine } from '../process-engine';
import { originFormPath } from './request';
import type { ServerSettings } from './settings';
import { log } from '../logging';

export interface UploadServerOptions {
  settings: ServerSettings;
  /** Answers every request that is not the endpoint's: the Next.js request handler. */
  fallback: (req: http.IncomingMessage, res: http.ServerResponse) => unknown;
  /** The engine whose endpoint is served; the process's engine by default. */
  engine?: () => UploadEngine;
}

/**
 * The production HTTP server of an app with an upload endpoint: requests to
 * the endpoint go to the engine on Node's own objects, everything else to
 * `fallback` (Next.js). `next start` keeps Node's 300 s cap on every request
 * and no idle timeout; an upload server needs the opposite: no cap on a PATCH
 * that keeps moving, and a connection that sends nothing closed after
 * `idleTimeoutMs` (slowloris). It also shuts down gracefully: on SIGTERM it
 * stops accepting, lets running requests store what they received for
 * `shutdownGraceMs`, then cuts what is left.
 */
export function startUploadServer({ settings, fallback, engine = uploadEngine }: UploadServerOptions): http.Server {
  // requestTimeout 0: no cap on the total duration of a request (a large PATCH may take hours).
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    if (refusedMethod(req, res)) return;
    const uploads = engine();
    if (uploads.route.covers(pathOf(req.url))) uploads.handleNode(req, res).catch((error: unknown) => failed(res, error));
    else void fallback(req, res);
  });
  // The socket idle timeout: a connection silent this long is destroyed; every byte re-arms it.
  server.timeout = settings.idleTimeoutMs;
  // A port that cannot be had is a start-up error like a bad setting: one plain line and exit status 1, so a
  // supervisor sees the failure (Next.js's uncaughtException handler would print a stack and let the process end with 0).
  const cannotListen = (error: NodeJS.ErrnoException) => {
    console.error(`[server] cannot start: cannot listen on ${settings.host}:${settings.port}: ${error.code ?? error.message}`);
    process.exit(1);
  };
  server.once('error', cannotListen);
  server.listen(settings.port, settings.host, () => {
    server.off('error', cannotListen);
    log().info(`listening on http://${settings.host}:${settings.port} (idle timeout ${settings.idleTimeoutMs / 1000} s)`);
  });
  const metrics = settings.metrics ? startMetricsServer(settings.metrics, server, () => engine().metrics.registry) : null;

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log().info({ signal }, `${signal}: no new connections; running requests have ${settings.shutdownGraceMs / 1000} s`);
    server.close(() => {
      log().info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    metrics?.close();
    metrics?.closeAllConnections();
    // A PATCH still running then is cut: what it stored stays, and its client resumes from there.
    setTimeout(() => server.closeAllConnections(), settings.shutdownGraceMs).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return server;
}

/** The path of a request target, for routing only (the endpoint parses it again); other forms go to the fallback. */
function pathOf(target: string | undefined): string {
  return target?.startsWith('/') ? originFormPath(target) : '';
}

/**
 * Methods the Fetch standard forbids in a `Request`: Next.js throws building
 * one for a route handler and answers 500 before any code of the app runs
 * (the hostile-input test found it with TRACE). Nothing serves them: 405.
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
  log().error({ err: error }, 'a request to the upload endpoint failed');
  if (res.headersSent) res.destroy();
  else res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Something went wrong with that request\n');
}
