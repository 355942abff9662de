import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { TUSD_METRICS } from './prometheus';
import type { MetricsSettings } from './settings';
import { log } from '../logging';

/** Where Prometheus finds the metrics on their own port, as on tusd. */
export const METRICS_PATH = '/metrics';

/**
 * Serves the metrics on a listener of their own: the engine's (`engine()`,
 * read at each scrape, so the engine may be composed after this starts),
 * the open connections of `app` (tusd_connections_open) and Node's default
 * process metrics. Only GET /metrics; with a token, only with it.
 */
export function startMetricsServer(settings: MetricsSettings, app: http.Server, engine: () => Registry): http.Server {
  const own = new Registry();
  // Measured here only: the GC observer and event-loop timer cost nothing where metrics are off.
  collectDefaultMetrics({ register: own });
  new Gauge({
    name: TUSD_METRICS.connectionsOpen,
    help: 'Current number of open connections.',
    registers: [own],
    // Asked of the server when scraped: nothing is counted per connection.
    async collect() {
      this.set(await new Promise<number>((resolve) => app.getConnections((error, count) => resolve(error ? 0 : count))));
    },
  });
  const authorized = bearerCheck(settings.token);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) return answer(res, 404, 'Not found: the metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'Only GET\n', { Allow: 'GET, HEAD' });
    if (!authorized(req.headers.authorization)) {
      return answer(res, 401, 'Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n', { 'WWW-Authenticate': 'Bearer' });
    }
    // Concatenated rather than merged: the engine's registry may come from another copy of prom-client (a Next.js bundle).
    Promise.all([own.metrics(), engine().metrics()]).then(
      ([processText, uploadsText]) =>
        answer(res, 200, processText + uploadsText, { 'Content-Type': own.contentType }, req.method === 'HEAD'),
      (error: unknown) => {
        log().error({ err: error }, 'collecting the metrics failed');
        answer(res, 500, 'Collecting the metrics failed\n');
      },
    );
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    // A port taken or an address not ours: as loud as a bad setting, rather than an app running unwatched.
    log().fatal({ err: error }, `cannot serve the metrics on ${settings.host}:${settings.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });
  server.listen(settings.port, settings.host, () => {
    const { port } = server.address() as AddressInfo;
    log().info(`serving metrics on http://${settings.host}:${port}${METRICS_PATH} (${settings.token ? 'with METRICS_TOKEN' : 'no token'})`);
  });
  return server;
}

/** Compares digests, never the strings: the time taken says nothing of how much of a guess was right. */
function bearerCheck(token: string | null): (header: string | undefined) => boolean {
  if (token === null) return () => true;
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    return given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
  };
}

function answer(res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}, bodiless = false): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(bodiless ? undefined : body);
}
