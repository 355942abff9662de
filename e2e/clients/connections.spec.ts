import http from 'node:http';
import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { storedBytes, uploadIdOf, waitForStoredBytes } from '../support/clients';
import { sha256 } from '../support/files';
import { createUpload, patch, rawRequest, TUS } from '../support/http';

/**
 * The HTTP server's own rules (serve.ts): a silent connection is closed after
 * UPLOAD_IDLE_TIMEOUT, a PATCH that keeps moving has no time limit, and
 * SIGTERM lets running requests finish for SHUTDOWN_GRACE before it cuts them.
 */
const IDLE_MS = 2000;
const app = serverForThisFile({ env: { UPLOAD_IDLE_TIMEOUT: `${IDLE_MS}ms`, SHUTDOWN_GRACE: '3s' } });

interface OpenPatch {
  req: http.ClientRequest;
  /** Resolves with the status, or with the error code when the server closed the connection instead. */
  outcome: Promise<{ status?: number; error?: string; at: number }>;
}

function openPatch(url: string, length: number): OpenPatch {
  const req = http.request(url, {
    method: 'PATCH',
    agent: false,
    headers: { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': length },
  });
  const outcome = new Promise<{ status?: number; error?: string; at: number }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode, at: Date.now() });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, at: Date.now() }));
  });
  return { req, outcome };
}

test('a PATCH that goes silent is closed after the idle timeout, and keeps what it sent', async () => {
  const data = Buffer.alloc(1024 * 1024, 3);
  const url = await createUpload(app.endpoint, data.length);
  const id = uploadIdOf(url);
  const { req, outcome } = openPatch(url, data.length);
  req.write(data.subarray(0, 64 * 1024));
  await waitForStoredBytes(app, id, 64 * 1024);
  const silentSince = Date.now();
  const result = await outcome;
  // Closed by the server, not answered: the client never finished its body.
  expect(result.status).toBeUndefined();
  expect(result.at - silentSince).toBeGreaterThanOrEqual(IDLE_MS - 250);
  const head = await rawRequest(url, { method: 'HEAD', headers: TUS });
  expect(head.headers['upload-offset']).toBe(String(64 * 1024));
  expect((await patch(url, 64 * 1024, data.subarray(64 * 1024))).status).toBe(204);
});

test('a slow PATCH that keeps sending outlives several idle timeouts', async () => {
  const piece = Buffer.alloc(16 * 1024, 5);
  const pieces = 12;
  const url = await createUpload(app.endpoint, piece.length * pieces);
  const id = uploadIdOf(url);
  const { req, outcome } = openPatch(url, piece.length * pieces);
  const started = Date.now();
  for (let sent = 1; sent <= pieces; sent++) {
    req.write(piece);
    // Paced by the server's disk: the next piece goes once this one is stored, then after a pause below the idle timeout.
    await waitForStoredBytes(app, id, sent * piece.length);
    if (sent < pieces) await new Promise((resolve) => setTimeout(resolve, IDLE_MS / 2));
  }
  req.end();
  const result = await outcome;
  expect(result.status).toBe(204);
  expect(Date.now() - started).toBeGreaterThan(2 * IDLE_MS);
});

test('SIGTERM lets a running PATCH finish, cuts one still going after the grace, exits by itself, and both resume', async () => {
  const data = Buffer.alloc(512 * 1024, 9);
  const finishing = await createUpload(app.endpoint, data.length);
  const endless = await createUpload(app.endpoint, data.length);
  const first = openPatch(finishing, data.length);
  const second = openPatch(endless, data.length);
  first.req.write(data.subarray(0, 100_000));
  second.req.write(data.subarray(0, 100_000));
  await waitForStoredBytes(app, uploadIdOf(finishing), 100_000);
  await waitForStoredBytes(app, uploadIdOf(endless), 100_000);

  const stopped = app.stop();
  // The second keeps trickling (never idle), so only the end of the grace can cut it.
  let sent = 100_000;
  const trickle = setInterval(() => {
    if (sent + 1000 >= data.length) return;
    second.req.write(data.subarray(sent, sent + 1000));
    sent += 1000;
  }, IDLE_MS / 4);
  // The first finishes its body while the server drains: the grace is for exactly this.
  first.req.end(data.subarray(100_000));
  expect((await first.outcome).status).toBe(204);
  const cut = await second.outcome;
  clearInterval(trickle);
  expect(cut.status).toBeUndefined();
  // It exited on its own once the grace was over, not by the harness's kill.
  expect(await stopped).toEqual({ code: 0, signal: null });
  expect(storedBytes(app, uploadIdOf(finishing))).toBe(data.length);
  const kept = storedBytes(app, uploadIdOf(endless));
  expect(kept).toBeGreaterThan(100_000);

  await app.launch();
  const head = await rawRequest(endless, { method: 'HEAD', headers: TUS });
  expect(head.headers['upload-offset']).toBe(String(kept));
  expect((await patch(endless, kept, data.subarray(kept))).status).toBe(204);
  for (const url of [finishing, endless]) {
    expect(sha256((await rawRequest(url, { method: 'GET' })).body)).toBe(sha256(data));
  }
});
