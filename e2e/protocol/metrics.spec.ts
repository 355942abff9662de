import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { freePort } from '../support/free-port';
import { PrometheusServer } from '../support/prometheus';

// A real Prometheus (Debian's) scrapes the production server's metrics listener (METRICS_PORT, behind a token)
// while an upload runs: what its query API then reports is what the client sent (docs/metrics.md).

const TOKEN = randomBytes(32).toString('hex');
const CHUNKS = 4;
const CHUNK_BYTES = 1024 * 1024 + 17;
const TUS = { 'Tus-Resumable': '1.0.0' };

let app: AppServer;
let metricsPort: number;
let prometheus: PrometheusServer;

test.beforeAll(async () => {
  metricsPort = await freePort();
  app = await AppServer.start({ env: { METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN } });
  prometheus = await PrometheusServer.start({ address: `127.0.0.1:${metricsPort}`, token: TOKEN, intervalMs: 250 });
});
test.afterAll(async () => {
  await prometheus?.dispose();
  await app?.dispose();
});

test('Prometheus scraping during an upload reports tusd_bytes_received equal to the bytes sent', async () => {
  test.setTimeout(60_000);
  const scraped = (expression: string) => expect.poll(() => prometheus.value(expression), { timeout: 15_000, intervals: [100] });
  // A first scrape, with the token, before any byte: the count starts at 0.
  await scraped('up{job="uploads"}').toBe(1);
  await scraped('tusd_bytes_received').toBe(0);

  const created = await fetch(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': String(CHUNKS * CHUNK_BYTES) } });
  expect(created.status).toBe(201);
  const url = new URL(created.headers.get('location')!, app.endpoint).href;
  let sent = 0;
  for (let chunk = 0; chunk < CHUNKS; chunk += 1) {
    const body = randomBytes(CHUNK_BYTES);
    const patched = await fetch(url, {
      method: 'PATCH',
      headers: { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(sent) },
      body,
    });
    expect(patched.status).toBe(204);
    sent += body.length;
    // Scraped while the upload is still going: each chunk shows up before the next is sent.
    await scraped('tusd_bytes_received').toBe(sent);
  }

  expect(sent).toBe(CHUNKS * CHUNK_BYTES);
  await scraped('tusd_uploads_finished').toBe(1);
  expect(await prometheus.value('tusd_uploads_created')).toBe(1);
  expect(await prometheus.value('tusd_requests_total{method="PATCH"}')).toBe(CHUNKS);
  expect(await prometheus.value('resumable_uploads_responses_total{method="PATCH",status="204"}')).toBe(CHUNKS);
  // No refusal: tusd_errors_total has no series at all yet.
  expect(await prometheus.query('tusd_errors_total')).toEqual([]);
  expect(await prometheus.value('resumable_uploads_flush_seconds_count{target="data"}')).toBeGreaterThanOrEqual(CHUNKS);
  // Node's process metrics and the open connections come from the same listener.
  expect(await prometheus.value('process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(await prometheus.value('tusd_connections_open')).not.toBeNull();
});

test('the metrics listener refuses a scrape without the token, and is not on the app port', async () => {
  expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
  expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
  const authorized = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(authorized.status).toBe(200);
  expect(await authorized.text()).toMatch(/^tusd_uploads_created \d+$/m);
  // The app's own port serves the app (Next.js answers 404), never the metrics.
  const onApp = await fetch(`${app.baseUrl}/metrics`);
  expect(await onApp.text()).not.toContain('tusd_');
});

test('metrics bound to an address other machines reach, without a token, stop start-up', async () => {
  const started = AppServer.start({ env: { METRICS_PORT: String(await freePort()), METRICS_HOST: '0.0.0.0' } });
  // Should it start after all, it is stopped rather than left serving everyone.
  void started.then(
    (server) => server.dispose(),
    () => undefined,
  );
  await expect(started).rejects.toThrow(/server exited \(1\) before it was ready/);
  await expect(started).rejects.toThrow(
    'Invalid configuration: METRICS_TOKEN is required when METRICS_HOST (0.0.0.0) is not a loopback address',
  );
});
