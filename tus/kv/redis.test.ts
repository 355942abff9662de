import { expect, test } from '@playwright/test';
import type { Redis } from 'ioredis';
import { RedisServer } from '../../e2e/support/redis';
import { UploadError } from '../errors';
import { connectRedis } from '../redis/connection';
import { RedisKvStore } from './redis';

// RedisKvStore against a real redis-server: what one instance stores another
// reads, prefixes keep stores apart, entries expire, Redis down is a 503.

interface Entry {
  id: string;
  size?: number;
  metadata: Record<string, string | null>;
}

let redis: RedisServer;
const connections: Redis[] = [];

test.beforeAll(async () => {
  redis = await RedisServer.start();
});
test.afterAll(async () => {
  await redis.dispose();
});
test.afterEach(async () => {
  for (const connection of connections.splice(0)) connection.disconnect();
  if (!redis.running) await redis.launch();
});

/** A store on a connection of its own, as on another app instance. */
function storeOn(prefix: string, ttlMs: number | null = 60_000): RedisKvStore<Entry> {
  const connection = connectRedis(new URL(redis.url), 'cache');
  connections.push(connection);
  return new RedisKvStore<Entry>(connection, prefix, ttlMs);
}

test('a value set through one connection is read back as the same JSON through another, and deleted for both', async () => {
  const entry: Entry = { id: 'a1', size: 42, metadata: { filename: 'ünïcode ✓.txt', empty: null } };
  const here = storeOn('kv-shared:');
  const there = storeOn('kv-shared:');
  await here.set('a1', entry);
  expect(await there.get('a1')).toEqual(entry);
  expect(await there.get('missing')).toBeUndefined();
  await there.delete('a1');
  expect(await here.get('a1')).toBeUndefined();
  // Deleting what is not there is not an error.
  await here.delete('a1');
});

test('stores with different prefixes do not see each other, and list() gives a store its own keys without the prefix', async () => {
  // Glob characters in a prefix are literal: "kv[1]*" must not match "kv1x".
  const first = storeOn('kv[1]*:');
  const second = storeOn('kv1x:');
  const keys = Array.from({ length: 450 }, (_, n) => `key-${n}`);
  await Promise.all(keys.map((key) => first.set(key, { id: key, metadata: {} })));
  await second.set('other', { id: 'other', metadata: {} });
  expect((await first.list()).sort()).toEqual([...keys].sort());
  expect(await second.list()).toEqual(['other']);
  expect(await second.get('key-1')).toBeUndefined();
});

test('every set gives the entry the TTL: an entry nobody sets again is gone after it', async () => {
  const store = storeOn('kv-ttl:', 400);
  await store.set('short', { id: 'short', metadata: {} });
  expect(await store.get('short')).toBeDefined();
  const deadline = Date.now() + 5_000;
  while ((await store.get('short')) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await store.get('short')).toBeUndefined();
  // Without a TTL the entry stays.
  const lasting = storeOn('kv-ttl:', null);
  await lasting.set('long', { id: 'long', metadata: {} });
  const probe = connectRedis(new URL(redis.url), 'probe');
  connections.push(probe);
  expect(await probe.pttl('kv-ttl:long')).toBe(-1);
});

test('Redis down: every call fails within seconds with 503 ERR_CACHE_UNAVAILABLE; Redis back: the store works again', async () => {
  const store = storeOn('kv-down:');
  await store.set('k', { id: 'k', metadata: {} });
  await redis.stop();
  for (const call of [() => store.get('k'), () => store.set('k', { id: 'k', metadata: {} }), () => store.delete('k'), () => store.list()]) {
    const started = Date.now();
    const error = await call().then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(UploadError);
    expect((error as UploadError).status).toBe(503);
    expect((error as UploadError).code).toBe('ERR_CACHE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  }
  await redis.launch();
  // An empty Redis (no persistence): the entry is gone, the store works.
  expect(await store.get('k')).toBeUndefined();
  await store.set('k', { id: 'k', metadata: {} });
  expect(await store.get('k')).toEqual({ id: 'k', metadata: {} });
});
