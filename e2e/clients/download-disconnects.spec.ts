import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { sha256 } from '../support/files';
import { rawRequest, uploadWhole } from '../support/http';
import { prng } from '../support/prng';

// Clients that vanish in the middle of a download (a closed tab, a dropped
// connection) must cost the server nothing: it keeps running, closes the
// file, and serves the next download whole. The standalone @tus/server was
// seen to crash the process on exactly this.

const SIZE = 8 * 2 ** 20 + 99;
const DOWNLOADS = 20;
const MOVIE = { filename: 'movie.mp4', filetype: 'video/mp4' };

let app: AppServer;
let bytes: Buffer;
let url: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  bytes = randomBytes(SIZE);
  url = await uploadWhole(app.endpoint, bytes, MOVIE);
});
test.afterAll(async () => {
  await app?.dispose();
});

/**
 * Starts a download and destroys the connection once `cutAfter` body bytes
 * have arrived (0: as soon as the response headers are in). Resolves with
 * the status and the bytes received before the cut.
 */
function cutDownload(target: string, headers: Record<string, string>, cutAfter: number): Promise<{ status: number; received: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(target, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      const cut = () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, received: Buffer.concat(chunks) });
      };
      if (cutAfter === 0) return cut();
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= cutAfter) cut();
      });
      res.on('end', () => reject(new Error(`the download ended (${received} bytes) before the cut at ${cutAfter}`)));
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
  });
}

/** Files the server process holds open on the upload's data (from /proc: the download streams not yet closed). */
function openHandlesOn(pid: number, file: string): number {
  const dir = `/proc/${pid}/fd`;
  let count = 0;
  for (const fd of fs.readdirSync(dir)) {
    try {
      if (fs.readlinkSync(path.join(dir, fd)) === file) count += 1;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

test(`${DOWNLOADS} downloads cut at random points leave the server running, serving and with no file left open`, async () => {
  // Set CUT_SEED to replay the cuts of a failed run (its seed is in the report's annotations).
  const seed = Number(process.env.CUT_SEED ?? Date.now() % 1_000_000);
  test.info().annotations.push({ type: 'seed', description: String(seed) });
  const random = prng(seed);
  const id = uploadIdOf(url);
  const dataFile = path.join(app.uploadDir, id);
  const pid = app.events.all()[0].pid;

  // The probe works: a download paused after its first bytes holds the file open.
  await new Promise<void>((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.once('data', () => {
        res.pause();
        expect
          .poll(() => openHandlesOn(pid, dataFile), { timeout: 30_000, message: 'a running download holds the file open' })
          .toBeGreaterThan(0)
          .then(() => {
            req.destroy();
            resolve();
          }, reject);
      });
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
  });

  // Five at a time, each cut at a random byte; every other one a Range request.
  for (let batch = 0; batch < DOWNLOADS / 5; batch += 1) {
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const ranged = (batch * 5 + i) % 2 === 1;
        const start = ranged ? Math.floor(random() * (SIZE / 2)) : 0;
        const length = SIZE - start;
        // Cut before the last 64 KiB so the cut lands mid-stream, not after the server is done.
        const cutAfter = i === 0 ? 0 : 1 + Math.floor(random() * (length - 2 ** 16));
        const { status, received } = await cutDownload(url, ranged ? { Range: `bytes=${start}-` } : {}, cutAfter);
        expect(status, `seed ${seed}`).toBe(ranged ? 206 : 200);
        // What did arrive was the right bytes.
        expect(received.equals(bytes.subarray(start, start + received.length)), `seed ${seed}`).toBe(true);
      }),
    );
  }

  // The server noticed every disconnect: the file is no longer open for any of them.
  await expect.poll(() => openHandlesOn(pid, dataFile), { timeout: 30_000, message: 'download file handles closed' }).toBe(0);
  expect(app.running).toBe(true);

  // And it serves whole downloads and new uploads as before.
  const whole = await rawRequest(url, { method: 'GET' });
  expect(whole.status).toBe(200);
  expect(sha256(whole.body)).toBe(sha256(bytes));
  const range = await rawRequest(url, { method: 'GET', headers: { Range: 'bytes=1000-1999' } });
  expect(range.body.equals(bytes.subarray(1000, 2000))).toBe(true);
  const next = randomBytes(2 ** 20);
  const nextUrl = await uploadWhole(app.endpoint, next, MOVIE);
  expect(sha256((await rawRequest(nextUrl, { method: 'GET' })).body)).toBe(sha256(next));

  expect(app.running).toBe(true);
  expect(app.events.all().every((e) => e.pid === pid)).toBe(true);
  expect(app.log).not.toMatch(/ERR_INVALID_STATE|uncaught|unhandled/i);
});
