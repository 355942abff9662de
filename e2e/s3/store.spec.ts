import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { MetadataValue } from '@tus/s3-store';
import { ERRORS, MemoryKvStore, Upload } from '@tus/server';
import { expect } from '@playwright/test';
import type { S3Settings } from '../../tus/config';
import { UploadError } from '../../tus/errors';
import { RedisKvStore } from '../../tus/kv/redis';
import { connectRedis } from '../../tus/redis/connection';
import { S3UploadStore } from '../../tus/stores/s3';
import { test, type CephRgw } from '../support/ceph';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis';

const MiB = 2 ** 20;

/** The store's capabilities, straight against a real Ceph RADOS Gateway. */
let bucket: string;
let client: S3Client;

test.beforeAll(async ({ ceph }) => {
  bucket = await ceph.newBucket();
  client = ceph.client();
});

test.afterAll(() => client?.destroy());

function settingsFor(ceph: CephRgw, overrides: Partial<S3Settings> = {}): S3Settings {
  return {
    endpoint: new URL(ceph.endpoint),
    region: ceph.region,
    bucket,
    credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
    forcePathStyle: true,
    partSize: 5 * MiB,
    checksums: 'when_required',
    ...overrides,
  };
}

/** A store as one app instance has it: its own in-memory cache. */
function instance(ceph: CephRgw): S3UploadStore {
  return new S3UploadStore({ settings: settingsFor(ceph), cache: new MemoryKvStore<MetadataValue>() });
}

function newUpload(size: number | undefined, metadata: Record<string, string> = {}): Upload {
  return new Upload({ id: randomBytes(16).toString('hex'), size, offset: 0, metadata });
}

async function download(store: S3UploadStore, id: string, start: number, end: number): Promise<Buffer> {
  return Buffer.from(await new Response(await store.readRange(id, start, end)).arrayBuffer());
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function keysOf(prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key ?? '').sort();
}

test('bytes written in chunks of any size come back byte-exact, with Range, once the upload completes', async ({ ceph }) => {
  const store = instance(ceph);
  const data = randomBytes(12 * MiB + 12345);
  const upload = newUpload(data.length, { filename: 'a.bin' });
  await store.createUpload(upload, { owner: 'alice' });
  // Small chunks become an incomplete part, larger ones real parts.
  let offset = 0;
  for (const size of [1 * MiB, 6 * MiB, 3 * MiB, data.length - 10 * MiB]) {
    offset = await store.write(Readable.from([data.subarray(offset, offset + size)]), upload.id, offset);
    const state = await store.readState(upload.id);
    expect(state.upload.offset).toBe(offset);
  }
  const state = await store.readState(upload.id);
  expect(state.upload.offset).toBe(data.length);
  expect(state.owner).toBe('alice');
  const described = await store.describeUpload(upload.id);
  expect(described?.completedAt).toBeInstanceOf(Date);
  expect(described?.metadata).toEqual({ filename: 'a.bin' });
  expect(sha256(await download(store, upload.id, 0, data.length - 1))).toBe(sha256(data));
  expect(await download(store, upload.id, 100, 199)).toEqual(data.subarray(100, 200));
  expect((await store.listUploads()).map((listed) => listed.id)).toContain(upload.id);
});

test('a length declared on one instance completes the upload written on another, each with its own cache', async ({ ceph }) => {
  const [a, b] = [instance(ceph), instance(ceph)];
  const data = randomBytes(7 * MiB);
  const upload = newUpload(undefined);
  await a.create(upload);
  // b's write caches the record while the length is still deferred.
  expect(await b.write(Readable.from([data.subarray(0, 6 * MiB)]), upload.id, 0)).toBe(6 * MiB);
  expect((await b.readState(upload.id)).upload.size).toBeUndefined();
  await a.declareUploadLength(upload.id, data.length);
  expect(await b.write(Readable.from([data.subarray(6 * MiB)]), upload.id, 6 * MiB)).toBe(data.length);
  const state = await a.readState(upload.id);
  expect([state.upload.size, state.upload.offset]).toEqual([data.length, data.length]);
  expect(sha256(await download(a, upload.id, 0, data.length - 1))).toBe(sha256(data));
});

test('with the cache shared in Redis, a deferred length completes on the instance that declared it and on another', async ({ ceph }) => {
  const redis = await RedisServer.start();
  const connections = [connectRedis(new URL(redis.url), 'cache'), connectRedis(new URL(redis.url), 'cache')];
  try {
    const [a, b] = connections.map(
      (connection) =>
        new S3UploadStore({ settings: settingsFor(ceph), cache: new RedisKvStore<MetadataValue>(connection, 's3-cache:', 60_000) }),
    );
    for (const last of [a, b]) {
      const data = randomBytes(6 * MiB + 10);
      const upload = newUpload(undefined);
      await a.create(upload);
      // The write caches the record, with its length deferred, for both instances.
      await a.write(Readable.from([data.subarray(0, 6 * MiB)]), upload.id, 0);
      await a.declareUploadLength(upload.id, data.length);
      expect(await last.write(Readable.from([data.subarray(6 * MiB)]), upload.id, 6 * MiB)).toBe(data.length);
      expect((await b.describeUpload(upload.id))?.completedAt).toBeInstanceOf(Date);
      expect(sha256(await download(b, upload.id, 0, data.length - 1))).toBe(sha256(data));
    }
  } finally {
    for (const connection of connections) connection.disconnect();
    await redis.dispose();
  }
});

test('an upload deleted on one instance is gone on the other; nothing of it stays in the bucket', async ({ ceph }) => {
  const [a, b] = [instance(ceph), instance(ceph)];
  const unfinished = newUpload(10 * MiB);
  const finished = newUpload(3);
  for (const upload of [unfinished, finished]) await a.create(upload);
  await a.write(Readable.from([randomBytes(MiB)]), unfinished.id, 0);
  await a.write(Readable.from([Buffer.from('abc')]), finished.id, 0);
  // Both instances have the uploads in their caches.
  for (const upload of [unfinished, finished]) await b.readState(upload.id);
  for (const upload of [unfinished, finished]) {
    await a.remove(upload.id);
    await expect(b.readState(upload.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
    expect(await b.describeUpload(upload.id)).toBeNull();
    expect(await keysOf(upload.id)).toEqual([]);
  }
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: unfinished.id }));
  expect(open.Uploads ?? []).toEqual([]);
  await expect(a.remove(unfinished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
});

test('the expiry clock moves with every part stored and with touch(), as every instance sees it', async ({ ceph }) => {
  const [a, b] = [instance(ceph), instance(ceph)];
  const upload = newUpload(20 * MiB);
  await a.create(upload);
  const created = (await b.readState(upload.id)).lastActivity;
  await waitForNextSecond(created);
  await a.write(Readable.from([randomBytes(100)]), upload.id, 0);
  const written = (await b.readState(upload.id)).lastActivity;
  expect(written.getTime()).toBeGreaterThan(created.getTime());
  await waitForNextSecond(written);
  await a.touch(upload.id);
  const touched = (await b.describeUpload(upload.id))?.lastActivity;
  expect(touched?.getTime()).toBeGreaterThan(written.getTime());
});

test('a staged chunk changes nothing until it is committed', async ({ ceph }) => {
  const store = instance(ceph);
  const upload = newUpload(10);
  await store.create(upload);
  const discarded = await store.stageChunk(upload.id, 0, Readable.from([Buffer.from('wrong')]));
  expect(discarded.length).toBe(5);
  await discarded.discard();
  expect((await store.readState(upload.id)).upload.offset).toBe(0);
  expect(await keysOf(upload.id)).toEqual([`${upload.id}.info`]);
  const staged = await store.stageChunk(upload.id, 0, Readable.from([Buffer.from('0123456789')]));
  expect(await staged.commit()).toBe(10);
  expect((await download(store, upload.id, 0, 9)).toString()).toBe('0123456789');
});

for (const [kind, partSize] of [
  ['copied by the bucket (parts of 5 MiB and more)', 5 * MiB + 7],
  ['streamed through (small parts)', 1000],
] as const) {
  test(`a final is assembled from its partial uploads, ${kind}`, async ({ ceph }) => {
    const store = instance(ceph);
    const pieces = [randomBytes(partSize), randomBytes(partSize), randomBytes(123)];
    const parts: string[] = [];
    for (const piece of pieces) {
      const part = newUpload(piece.length);
      await store.createUpload(part, { concat: { kind: 'partial' } });
      await store.write(Readable.from([piece]), part.id, 0);
      parts.push(part.id);
    }
    // The same piece may appear twice.
    const order = [...parts, parts[0]];
    const final = newUpload(undefined);
    await store.createUpload(final, { concat: { kind: 'final', header: 'final;…', parts: order } });
    expect(await store.pendingFinals()).toContainEqual({ id: final.id, parts: order });
    expect((await store.readState(final.id)).upload.offset).toBe(0);
    await store.assembleFinal(final.id, order);
    const expected = Buffer.concat([...pieces, pieces[0]]);
    const state = await store.readState(final.id);
    expect([state.upload.size, state.upload.offset]).toEqual([expected.length, expected.length]);
    expect(state.concat).toEqual({ kind: 'final', header: 'final;…', parts: order });
    expect(sha256(await download(store, final.id, 0, expected.length - 1))).toBe(sha256(expected));
    expect((await store.pendingFinals()).map((pending) => pending.id)).not.toContain(final.id);
  });
}

test('an upload whose bytes are all stored but never completed (a crash) is completed when read, incomplete part included', async ({
  ceph,
}) => {
  const store = instance(ceph);
  // What a writer that died after its last bytes leaves: a part, the rest in `<id>.part`, no object.
  const data = randomBytes(6 * MiB + 100);
  const crashed = newUpload(data.length);
  await store.create(crashed);
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: crashed.id }));
  const multipart = open.Uploads?.find((upload) => upload.Key === crashed.id)?.UploadId;
  const first = data.subarray(0, 6 * MiB);
  await client.send(new UploadPartCommand({ Bucket: bucket, Key: crashed.id, UploadId: multipart, PartNumber: 1, Body: first }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${crashed.id}.part`, Body: data.subarray(6 * MiB) }));
  expect(await store.describeUpload(crashed.id)).toMatchObject({ offset: data.length, completedAt: null });
  const state = await store.readState(crashed.id);
  expect(state.upload.offset).toBe(data.length);
  expect((await store.describeUpload(crashed.id))?.completedAt).toBeInstanceOf(Date);
  expect(sha256(await download(store, crashed.id, 0, data.length - 1))).toBe(sha256(data));
  expect(await keysOf(crashed.id)).toEqual([crashed.id, `${crashed.id}.info`]);
});

test('a missing bucket or an unreachable service is a clear error', async ({ ceph }) => {
  const missing = new S3UploadStore({ settings: settingsFor(ceph, { bucket: 'no-such-bucket' }), cache: new MemoryKvStore() });
  await expect(missing.recoverAfterRestart()).rejects.toThrow(/S3 bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ does not exist/);
  const wrongKeys = new S3UploadStore({
    settings: settingsFor(ceph, { credentials: { accessKeyId: 'nobody', secretAccessKey: 'nothing' } }),
    cache: new MemoryKvStore(),
  });
  await expect(wrongKeys.recoverAfterRestart()).rejects.toThrow(/refuses these credentials/);
  const down = new S3UploadStore({
    settings: settingsFor(ceph, { endpoint: new URL(`http://127.0.0.1:${await freePort()}`) }),
    cache: new MemoryKvStore(),
  });
  const error: unknown = await down.readState('0123456789abcdef0123456789abcdef').catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(UploadError);
  expect((error as UploadError).status).toBe(503);
  expect((error as UploadError).code).toBe('ERR_STORAGE_UNAVAILABLE');
});

test('the info object keeps the record as JSON, readable by @tus/s3-store itself', async ({ ceph }) => {
  const store = instance(ceph);
  const upload = newUpload(5, { filename: 'ü.txt' });
  await store.createUpload(upload, { concat: { kind: 'partial' }, owner: 'bob' });
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${upload.id}.info` }));
  const record = JSON.parse(await text(object.Body as Readable)) as Record<string, unknown>;
  expect(record).toMatchObject({ id: upload.id, size: 5, metadata: { filename: 'ü.txt' }, concat: { kind: 'partial' }, owner: 'bob' });
  expect(object.Metadata?.['upload-id']).toBeTruthy();
});

/** S3 dates have a resolution of one second: a later write shows a later date only in the next second. */
async function waitForNextSecond(after: Date): Promise<void> {
  const next = Math.floor(after.getTime() / 1000) * 1000 + 1000;
  const wait = next - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));
}
