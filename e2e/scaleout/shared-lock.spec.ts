import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { sha256 } from '../support/files';
import { createUpload, patch, rawRequest, TUS } from '../support/http';
import { OpenPatch, type RawAnswer } from '../support/open-patch';
import { stallThenResume } from '../support/stalled-patch';
import { RedisServer } from '../support/redis';

// Issue 6, item 2: two app instances on one upload folder (a shared disk) and
// one Redis (REDIS_URL), without a load balancer: the test picks the
// instance of every request. A request on instance B for an upload that a
// stalled PATCH holds on instance A reaches A through Redis, A stores what it
// has and lets go, and B resumes within seconds; two PATCHes of one upload on
// A and B at once never both write. With per-process locks (no REDIS_URL)
// both tests fail: A is never asked to let go of the stalled PATCH, and both
// PATCHes write.

/** @tus/server's lockDrainTimeout is 3 s; the rest is margin for a loaded two-core machine. */
const RESUME_BOUND_MS = 10_000;

let redis: RedisServer;
let sharedDir: string;
let a: AppServer;
let b: AppServer;

test.beforeAll(async () => {
  redis = await RedisServer.start();
  sharedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uploads-shared-'));
  const options = { uploadDir: sharedDir, env: { REDIS_URL: redis.url } };
  [a, b] = await Promise.all([AppServer.start(options), AppServer.start(options)]);
});
test.afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
  await redis?.dispose();
  fs.rmSync(sharedDir, { recursive: true, force: true });
});

/** The same upload as seen through another instance. */
function on(instance: AppServer, url: string): string {
  return `${instance.endpoint}/${uploadIdOf(url)}`;
}

/** The answer, or a failure naming what did not come within `ms`. */
function within(answer: Promise<RawAnswer>, ms: number, what: string): Promise<RawAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

test('a PATCH stalled on instance A lets go within seconds when the client resumes through instance B; the file is exact', async () => {
  const size = 4 * 1024 * 1024 + 3;
  const sent = 1024 * 1024 + 17;
  // On A: the head, part of the body, then silence with the socket open (a half-dead client); through B: HEAD, PATCH the rest.
  const { url, data, stalled, head, rest, headMs, resumeMs } = await stallThenResume(a, b, size, sent);
  expect(head.status, head.text).toBe(200);
  expect(head.headers['upload-offset']).toBe(String(sent));
  console.log(`stalled PATCH on A: HEAD on B answered after ${headMs} ms, resume on B complete after ${resumeMs} ms`);
  expect(rest.status, rest.text).toBe(204);
  expect(rest.headers['upload-offset']).toBe(String(size));
  expect(resumeMs).toBeLessThan(RESUME_BOUND_MS);

  // The stalled client wakes up and sends bytes that are not the file's: A must have let go already and store none of them.
  stalled.write(randomBytes(256 * 1024));
  const cut = await within(stalled.answer, RESUME_BOUND_MS, 'the stalled PATCH on A');
  stalled.close();
  expect(cut.status).toBe(204);
  expect(cut.headers['upload-offset']).toBe(String(sent));

  expect(sha256(fs.readFileSync(path.join(sharedDir, uploadIdOf(url)))), 'the stored bytes are the file').toBe(sha256(data));
  for (const instance of [a, b]) {
    const download = await rawRequest(on(instance, url), { method: 'GET' });
    expect(download.status).toBe(200);
    expect(sha256(download.body)).toBe(sha256(data));
  }
  expect(a.running && b.running).toBe(true);
});

test('two PATCHes of one upload at once, one on A and one on B: only one ever writes, the other gets 409, the bytes are the writer’s', async () => {
  const size = 2 * 1024 * 1024;
  const first = 64 * 1024;
  const url = await createUpload(a.endpoint, size);
  const id = uploadIdOf(url);
  const bodies = [randomBytes(size), randomBytes(size)];
  const patches = [new OpenPatch(url, 0, size), new OpenPatch(on(b, url), 0, size)];
  for (const [i, body] of bodies.entries()) patches[i].write(body.subarray(0, first));

  // Wait until the two requests have settled who writes. With a shared lock
  // the holder is asked to let go, answers with what it stored, and the
  // other is refused: both answer before their bodies end. Without one, both
  // write (each instance reports progress) and neither answers yet.
  const bothWrote = Promise.all(
    [a, b].map((instance) =>
      instance.events.waitFor(
        (event) => event.type === 'progress' && event.id === id,
        20_000,
        'progress of both PATCHes, or an answer to both (with one refused at once and the other still writing, the lock did not hold them apart)',
      ),
    ),
  );
  const bothAnswered = Promise.all(patches.map((p) => p.answer));
  bothWrote.catch(() => undefined);
  await Promise.race([bothWrote, bothAnswered]);

  // The rest of both bodies, interleaved: a second writer would now put its bytes over the first's.
  const piece = 64 * 1024;
  for (let at = first; at < size; at += piece) {
    for (const [i, body] of bodies.entries()) patches[i].write(body.subarray(at, at + piece));
  }
  const answers = await Promise.all(patches.map((p, i) => within(p.answer, 30_000, `the PATCH on ${i === 0 ? 'A' : 'B'}`)));
  for (const p of patches) p.close();

  const statuses = answers.map((answer) => answer.status);
  expect([...statuses].sort(), `statuses ${statuses.join(', ')}`).toEqual([204, 409]);
  const writer = statuses.indexOf(204);
  const stored = Number(answers[writer].headers['upload-offset']);
  expect(answers[1 - writer].headers['upload-offset'], 'the refused PATCH is told where the upload stands').toBe(String(stored));
  const onDisk = fs.readFileSync(path.join(sharedDir, id));
  expect(onDisk.length).toBe(stored);
  expect(sha256(onDisk), 'the stored bytes are the writer’s alone').toBe(sha256(bodies[writer].subarray(0, stored)));
});

test('Redis down: requests that need the lock get 503 ERR_LOCK_UNAVAILABLE and change nothing; Redis back: the upload resumes on the other instance', async () => {
  const size = 256 * 1024;
  const data = randomBytes(size);
  const url = await createUpload(a.endpoint, size);
  const half = size / 2;
  expect((await patch(url, 0, data.subarray(0, half))).status).toBe(204);

  await redis.stop();
  try {
    // HEAD says 423, because tus clients start a new upload after any other refused HEAD.
    for (const [refused, status] of [
      [await rawRequest(on(b, url), { method: 'HEAD', headers: TUS }), 423],
      [await patch(on(b, url), half, data.subarray(half)), 503],
    ] as const) {
      expect(refused.status, refused.text).toBe(status);
      expect(refused.headers['retry-after']).toBe('2');
    }
    const refusedPatch = await patch(on(a, url), half, data.subarray(half));
    expect(refusedPatch.text).toMatch(/^ERR_LOCK_UNAVAILABLE: /);
    expect(fs.statSync(path.join(sharedDir, uploadIdOf(url))).size, 'nothing was written while the lock was unavailable').toBe(half);
  } finally {
    await redis.launch();
  }

  // The instances reconnect by themselves; a client retrying 5xx gets through within seconds.
  const deadline = Date.now() + 15_000;
  let head = await rawRequest(on(b, url), { method: 'HEAD', headers: TUS });
  while (head.status === 423 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    head = await rawRequest(on(b, url), { method: 'HEAD', headers: TUS });
  }
  expect(head.status, head.text).toBe(200);
  expect(head.headers['upload-offset']).toBe(String(half));
  const rest = await patch(on(b, url), half, data.subarray(half));
  expect(rest.status, rest.text).toBe(204);
  const download = await rawRequest(on(a, url), { method: 'GET' });
  expect(sha256(download.body)).toBe(sha256(data));
});
