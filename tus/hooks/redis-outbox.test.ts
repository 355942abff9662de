import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Redis } from 'ioredis';
import { RedisServer } from '../../e2e/support/redis';
import { createUploadEngine, type UploadEngine } from '../index';

// With REDIS_URL the outbox is in Redis, shared by every instance: an event kept by one instance that stops is
// delivered by another, and two instances running side by side deliver each event once.

let redis: RedisServer;
let dir: string;
let receiver: http.Server;
let hooksUrl: string;
let failing = false;
let refused: (() => void) | null = null;
/** How long the receiver takes to answer. */
let answerAfterMs = 0;
const deliveries: string[] = [];
const waiters: Array<() => void> = [];
const instances: Array<{ engine: UploadEngine; server: http.Server }> = [];

test.beforeAll(async () => {
  redis = await RedisServer.start();
});
test.afterAll(async () => {
  await redis?.dispose();
});
test.beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-outbox-'));
  failing = false;
  answerAfterMs = 0;
  deliveries.length = 0;
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (failing) {
        refused?.();
        return void res.writeHead(503).end();
      }
      setTimeout(() => {
        deliveries.push(String(req.headers['idempotency-key']));
        res.writeHead(200).end('{}');
        for (const wake of waiters.splice(0)) wake();
      }, answerAfterMs);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hooksUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
});
test.afterEach(async () => {
  for (const { engine, server } of instances.splice(0)) await stop(engine, server);
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function stop(engine: UploadEngine, server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  engine.close();
}

/** An instance on the shared folder and Redis, with webhooks for post-finish; returns its creation URL. */
async function instance(): Promise<string> {
  const engine = createUploadEngine({
    uploadDir: path.join(dir, 'uploads'),
    path: '/files',
    redisUrl: new URL(redis.url),
    log: { level: 'silent', format: 'json' },
    webhooks: {
      url: new URL(hooksUrl),
      events: ['post-finish'],
      secret: null,
      timeoutMs: 2_000,
      failOpen: false,
      outboxDir: path.join(dir, 'unused'),
    },
  });
  await engine.start();
  const server = http.createServer((req, res) => void engine.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  instances.push({ engine, server });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
}

async function uploadTo(endpoint: string): Promise<string> {
  const created = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '3', 'Content-Type': 'application/offset+octet-stream' },
    body: 'abc',
  });
  expect(created.status).toBe(201);
  return created.headers.get('location')!.split('/').pop()!;
}

/** Resolves once `keys` have all been delivered. */
async function delivered(keys: string[]): Promise<void> {
  while (!keys.every((key) => deliveries.includes(key))) await new Promise<void>((resolve) => waiters.push(resolve));
}

test('an event kept by an instance that stopped is delivered by another', async () => {
  failing = true;
  const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
  const first = await instance();
  const id = await uploadTo(first);
  const client = new Redis(redis.url);
  expect(await client.hkeys('uploads:hooks:events')).toEqual([`post-finish.${id}`]);
  // Stopped once the receiver refused its attempt: no attempt of its own is left in flight.
  await firstRefusal;
  const stopped = instances.shift()!;
  await stop(stopped.engine, stopped.server);

  failing = false;
  await instance();
  await delivered([`post-finish.${id}`]);
  await expect.poll(() => client.hlen('uploads:hooks:events'), { timeout: 5_000 }).toBe(0);
  expect(await client.zcard('uploads:hooks:due')).toBe(0);
  client.disconnect();
});

test('two instances side by side deliver each event once, also while a delivery outlasts their polls', async () => {
  // Slower than the 1 s between polls: an event claimed by one instance is hidden from the other while it is sent.
  answerAfterMs = 1_500;
  const [a, b] = [await instance(), await instance()];
  const ids = [];
  for (let index = 0; index < 6; index++) ids.push(await uploadTo(index % 2 === 0 ? a : b));
  const keys = ids.map((id) => `post-finish.${id}`);
  await delivered(keys);
  const client = new Redis(redis.url);
  await expect.poll(() => client.hlen('uploads:hooks:events'), { timeout: 5_000 }).toBe(0);
  client.disconnect();
  expect([...deliveries].sort()).toEqual([...keys].sort());
});
