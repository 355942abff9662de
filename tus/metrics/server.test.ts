import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createUploadEngine } from '../index';
import { startMetricsServer } from './server';
import { isLoopback, metricsSettingsFromEnv } from './settings';

// Where the metrics are served (the production server's METRICS_PORT): a listener of its own, loopback unless a
// token guards it. The e2e test (e2e/protocol/metrics.spec.ts) scrapes it with a real Prometheus.

let dir: string;
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-server-'));
});
test.afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the metrics listener serves the engine and the process, with the token when one is set', async () => {
  const engine = createUploadEngine({ uploadDir: dir });
  const app = http.createServer();
  const token = 'a'.repeat(32);
  const metricsServer = startMetricsServer({ host: '127.0.0.1', port: 0, token }, app, () => engine.metrics.registry);
  await new Promise<void>((resolve) => metricsServer.once('listening', resolve));
  const base = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
  try {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${'b'.repeat(32)}` } })).status).toBe(401);
    expect((await fetch(`${base}/other`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(404);
    const answer = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const text = await answer.text();
    expect(text).toMatch(/^tusd_uploads_created 0$/m);
    expect(text).toMatch(/^tusd_connections_open 0$/m);
    // Node's default process metrics.
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  } finally {
    metricsServer.closeAllConnections();
    await new Promise((resolve) => metricsServer.close(resolve));
    engine.close();
  }
});

test('METRICS_* settings: off by default, loopback by default, a token required anywhere else', () => {
  expect(metricsSettingsFromEnv({}, 3000)).toBeNull();
  expect(metricsSettingsFromEnv({ METRICS_PORT: '9464' }, 3000)).toEqual({ host: '127.0.0.1', port: 9464, token: null });
  expect(() => metricsSettingsFromEnv({ METRICS_HOST: '127.0.0.1' }, 3000)).toThrow('METRICS_PORT is required when METRICS_HOST is set');
  expect(() => metricsSettingsFromEnv({ METRICS_PORT: '3000' }, 3000)).toThrow('METRICS_PORT must differ from PORT');
  expect(() => metricsSettingsFromEnv({ METRICS_PORT: 'x' }, 3000)).toThrow('METRICS_PORT must be a whole number');
  expect(() => metricsSettingsFromEnv({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }, 3000)).toThrow(
    'METRICS_TOKEN is required when METRICS_HOST (0.0.0.0) is not a loopback address',
  );
  expect(() => metricsSettingsFromEnv({ METRICS_PORT: '9464', METRICS_TOKEN: 'short' }, 3000)).toThrow(
    'METRICS_TOKEN must be at least 32 characters long (got 5)',
  );
  const token = 'f'.repeat(64);
  expect(metricsSettingsFromEnv({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: token }, 3000)).toEqual({
    host: '0.0.0.0',
    port: 9464,
    token,
  });
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(host), host).toBe(true);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com']) expect(isLoopback(host), host).toBe(false);
});
