import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createUploadEngine, type EngineOptions, type UploadEngine, type UploadHooks } from '../index';
import { S3 } from '@aws-sdk/client-s3';
import { operationOf, timeRequests } from '../stores/s3-client';

// The engine's Prometheus registry after real requests through an engine behind a plain Node server (no Next.js):
// tusd's names with tusd's meaning, our own beside them (docs/metrics.md).

let dir: string;
let engine: UploadEngine | undefined;
let server: http.Server | undefined;
let endpoint: string;

async function serve(hooks: UploadHooks = {}, options: EngineOptions = {}): Promise<{ engine: UploadEngine; server: http.Server }> {
  const served = createUploadEngine({ uploadDir: dir, hooks, path: '/files', ...options });
  const listening = http.createServer((req, res) => void served.handleNode(req, res));
  [engine, server] = [served, listening];
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/files`;
  return { engine: served, server: listening };
}

test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-'));
});
test.afterEach(async () => {
  const running = server;
  if (running) {
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  }
  engine?.close();
  [engine, server] = [undefined, undefined];
  fs.rmSync(dir, { recursive: true, force: true });
});

const TUS = { 'Tus-Resumable': '1.0.0' };
const BYTES = { 'Content-Type': 'application/offset+octet-stream' };
const create = async (length: number, body?: string) => {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': String(length), ...(body === undefined ? {} : BYTES) },
    body,
  });
  expect(response.status).toBe(201);
  return new URL(response.headers.get('location')!, endpoint).href;
};
const patch = (url: string, offset: number, body: string) =>
  fetch(url, { method: 'PATCH', headers: { ...TUS, ...BYTES, 'Upload-Offset': String(offset) }, body });

/** The samples of a text exposition, by name and labels: `samples.get('tusd_errors_total{code="X",status="409"}')`, labels sorted. */
async function scrape(): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const line of (await engine!.metrics.registry.metrics()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(labels.length ? `${match[1]}{${labels.join(',')}}` : match[1], Number(match[3]));
  }
  return samples;
}

test("tusd's counters count requests, errors, bytes and uploads as tusd does", async () => {
  await serve();
  const finished = await create(11, 'hello ');
  expect((await patch(finished, 6, 'world')).status).toBe(204);
  const abandoned = await create(100);
  expect((await patch(abandoned, 0, '0123456789')).status).toBe(204);
  // A resume from a stale offset: 409, nothing stored.
  expect((await patch(abandoned, 3, 'xyz')).status).toBe(409);
  expect((await fetch(abandoned, { method: 'DELETE', headers: TUS })).status).toBe(204);
  expect((await fetch(abandoned, { method: 'HEAD', headers: TUS })).status).toBe(404);
  expect((await fetch(endpoint, { method: 'OPTIONS', headers: TUS })).status).toBe(204);

  const samples = await scrape();
  expect(samples.get('tusd_requests_total{method="POST"}')).toBe(2);
  expect(samples.get('tusd_requests_total{method="PATCH"}')).toBe(3);
  expect(samples.get('tusd_requests_total{method="DELETE"}')).toBe(1);
  expect(samples.get('tusd_requests_total{method="HEAD"}')).toBe(1);
  expect(samples.get('tusd_requests_total{method="OPTIONS"}')).toBe(1);
  // Shown from the start, as tusd shows every method.
  expect(samples.get('tusd_requests_total{method="GET"}')).toBe(0);
  // Every byte read into an upload; the refused PATCH's 3 were never read (its offset was wrong).
  expect(samples.get('tusd_bytes_received')).toBe('hello world'.length + 10);
  expect(samples.get('tusd_uploads_created')).toBe(2);
  expect(samples.get('tusd_uploads_finished')).toBe(1);
  expect(samples.get('tusd_uploads_terminated')).toBe(1);
  expect(samples.get('tusd_errors_total{code="ERR_MISMATCHED_OFFSET",status="409"}')).toBe(1);
  expect(samples.get('tusd_errors_total{code="ERR_UPLOAD_NOT_FOUND",status="404"}')).toBe(1);
  expect([...samples.keys()].filter((name) => name.startsWith('tusd_errors_total'))).toHaveLength(2);
  expect(samples.get('resumable_uploads_responses_total{method="PATCH",status="204"}')).toBe(2);
  expect(samples.get('resumable_uploads_responses_total{method="PATCH",status="409"}')).toBe(1);
  expect(samples.get('resumable_uploads_responses_total{method="POST",status="201"}')).toBe(2);
  // Every request on an upload waited for its lock once: 2 creations, 3 PATCHes, the DELETE and the HEAD.
  expect(samples.get('resumable_uploads_lock_wait_seconds_count')).toBe(7);
  // Each PATCH that stored bytes flushed its data file (a small creation's own bytes go through O_DSYNC, no flush);
  // each creation flushed its info file and the folder.
  expect(samples.get('resumable_uploads_flush_seconds_count{target="data"}')).toBe(2);
  expect(samples.get('resumable_uploads_flush_seconds_count{target="info"}')).toBeGreaterThanOrEqual(2);
  expect(samples.get('resumable_uploads_flush_seconds_count{target="folder"}')).toBeGreaterThanOrEqual(2);
});

test('hook invocations and failures are counted by hook type; an unset hook is never counted', async () => {
  let heard!: () => void;
  const postFinished = new Promise<void>((resolve) => (heard = resolve));
  await serve({
    preCreate: () => undefined,
    postFinish: () => {
      heard();
      throw new Error('the hook failed on purpose');
    },
  });
  await create(2, 'ok');
  await postFinished;
  // Counted where the runner reports the failure, once the hook's promise has settled: just after it threw.
  await expect.poll(async () => (await scrape()).get('tusd_hook_errors_total{hooktype="post-finish"}')).toBe(1);
  const samples = await scrape();
  expect(samples.get('tusd_hook_invocations_total{hooktype="pre-create"}')).toBe(1);
  expect(samples.get('tusd_hook_invocations_total{hooktype="post-finish"}')).toBe(1);
  expect(samples.get('tusd_hook_invocations_total{hooktype="post-create"}')).toBe(0);
  expect(samples.get('tusd_hook_errors_total{hooktype="pre-create"}')).toBe(0);
});

test('an upload the sweeper removes counts as expired', async () => {
  const served = await serve({}, { expiresAfterMs: 60_000 });
  const url = await create(10);
  const id = url.split('/').pop()!;
  const anHourAgo = new Date(Date.now() - 3_600_000);
  // The data file's time is the upload's last activity.
  fs.utimesSync(path.join(dir, id), anHourAgo, anHourAgo);
  expect(await served.engine.sweep()).toEqual([id]);
  expect((await scrape()).get('resumable_uploads_expired_total')).toBe(1);
});

test("S3 requests are labelled with tusd's operation names", () => {
  expect(operationOf('PutObjectCommand', 'abc.info')).toBe('put_info_object');
  expect(operationOf('GetObjectCommand', 'abc.info')).toBe('get_info_object');
  expect(operationOf('HeadObjectCommand', 'abc.part')).toBe('head_part_object');
  expect(operationOf('DeleteObjectCommand', 'abc.part')).toBe('delete_part_object');
  expect(operationOf('UploadPartCommand', 'abc')).toBe('upload_part');
  expect(operationOf('CreateMultipartUploadCommand', 'abc')).toBe('create_multipart_upload');
  expect(operationOf('ListPartsCommand', 'abc')).toBe('list_parts');
  expect(operationOf('GetObjectCommand', 'abc')).toBe('get_object');
});

test('each request of the S3 client is timed under its operation, a failed one too', async () => {
  // A stand-in for the service: the object's PUT succeeds, anything else is refused.
  const service = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.method === 'PUT' ? 200 : 403, { ETag: '"e"' }).end());
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  const client = new S3({
    endpoint: `http://127.0.0.1:${(service.address() as AddressInfo).port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  const timed: Array<[string, number]> = [];
  timeRequests(client, (operation, ms) => timed.push([operation, ms]));
  try {
    await client.putObject({ Bucket: 'bucket', Key: 'abc.info', Body: '{}' });
    await expect(client.listParts({ Bucket: 'bucket', Key: 'abc', UploadId: 'u' })).rejects.toThrow();
  } finally {
    client.destroy();
    service.closeAllConnections();
    await new Promise((resolve) => service.close(resolve));
  }
  expect(timed.map(([operation]) => operation)).toEqual(['put_info_object', 'list_parts']);
  for (const [, ms] of timed) expect(ms).toBeGreaterThan(0);
});
