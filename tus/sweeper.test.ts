import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Upload } from '@tus/server';
import { PROJECT_ROOT } from '../e2e/support/app-server';
import { runProcess } from '../e2e/support/clients';
import { RedisServer } from '../e2e/support/redis';
import { engineSettingsFromEnv } from './config';
import { connectRedis } from './redis/connection';
import { RedisSweepLease } from './redis/sweep-lease';
import { createUploadEngine, type UploadEngine } from './engine';

// Expiration sweeping with several instances on one folder and one Redis
// (REDIS_URL): an upload another instance is working on is never swept, and
// only one instance sweeps at a time. `npm run sweep` is the same engine.

let redis: RedisServer;
let dir: string;
const engines: UploadEngine[] = [];

test.beforeAll(async () => {
  redis = await RedisServer.start();
});
test.afterAll(async () => {
  await redis.dispose();
});
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
});
test.afterEach(() => {
  for (const engine of engines.splice(0)) engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One app instance on the shared folder and Redis, without its own sweeper timer. */
function instance(): UploadEngine {
  const cfg = engineSettingsFromEnv(
    { UPLOAD_DIR: dir, REDIS_URL: redis.url, UPLOAD_EXPIRES_AFTER: '1m', UPLOAD_SWEEP_INTERVAL: 'off', LOG_LEVEL: 'warn' },
    dir,
  );
  const engine = createUploadEngine(cfg);
  engines.push(engine);
  return engine;
}

/** An unfinished upload whose last write was an hour ago: expired. */
async function expiredUpload(engine: UploadEngine, n: number): Promise<string> {
  const id = n.toString(16).padStart(32, '0');
  await engine.store.create(new Upload({ id, size: 10, offset: 0 }));
  const anHourAgo = new Date(Date.now() - 3_600_000);
  fs.utimesSync(path.join(dir, id), anHourAgo, anHourAgo);
  return id;
}

const exists = (id: string) => fs.existsSync(path.join(dir, id));

test('an upload a request on another instance holds is not swept, and that request is not asked to let go', async () => {
  const [a, b] = [instance(), instance()];
  const busy = await expiredUpload(a, 1);
  const idle = await expiredUpload(a, 2);
  let asked = false;
  const lock = a.locker.newLock(busy);
  await lock.lock(new AbortController().signal, () => {
    asked = true;
  });
  expect(await b.sweep()).toEqual([idle]);
  expect(exists(busy)).toBe(true);
  expect(asked, 'the sweeper cut short a request').toBe(false);
  await lock.unlock();
  expect(await b.sweep()).toEqual([busy]);
  expect(exists(busy)).toBe(false);
});

test('only one instance sweeps at a time: while another holds the sweep turn, a sweep does nothing', async () => {
  const b = instance();
  const id = await expiredUpload(b, 3);
  const connection = connectRedis(new URL(redis.url), 'other instance');
  try {
    const turn = await new RedisSweepLease(connection, b.settings.redisKeyPrefix).take();
    expect(turn).not.toBeNull();
    expect(await new RedisSweepLease(connection, b.settings.redisKeyPrefix).take()).toBeNull();
    expect(await b.sweep()).toBeNull();
    expect(exists(id)).toBe(true);
    await turn?.end();
    expect(await b.sweep()).toEqual([id]);
  } finally {
    connection.disconnect();
  }
});

test('npm run sweep with REDIS_URL skips an upload an instance holds, removes the rest, and exits', async () => {
  const a = instance();
  const busy = await expiredUpload(a, 4);
  const idle = await expiredUpload(a, 5);
  const lock = a.locker.newLock(busy);
  await lock.lock(new AbortController().signal, () => undefined);
  try {
    const env = { UPLOAD_DIR: dir, REDIS_URL: redis.url, UPLOAD_EXPIRES_AFTER: '1m' };
    const result = await runProcess('npm', ['run', 'sweep'], { cwd: PROJECT_ROOT, env, timeoutMs: 60_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('[sweep] removed 1 expired uploads');
    expect(exists(idle)).toBe(false);
    expect(exists(busy)).toBe(true);
  } finally {
    await lock.unlock();
  }
});
