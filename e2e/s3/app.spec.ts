import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from '@playwright/test';
import * as tus from 'tus-js-client';
import { Redis } from 'ioredis';
import { AppServer } from '../support/app-server';
import { freePort } from '../support/free-port';
import { test } from '../support/ceph';
import { requestsOf, runProcess, uploadIdOf } from '../support/clients';
import { randomFile, sha256, sha256OfDownload, sha256OfFile } from '../support/files';
import { RedisServer } from '../support/redis';
import { EXTENSIONS, TUS, createUpload, head, headerTokens, patch, rawRequest, uploadWhole } from '../support/http';
import { stallingHttpStack, uploadToEnd } from '../support/tus-js-client';

// The real app (serve.ts, as `npm start` runs it) with UPLOAD_STORE=s3 on a
// real Ceph RADOS Gateway: two instances on one bucket, each with its own
// cache, as behind a load balancer without Redis.

const MiB = 2 ** 20;

let a: AppServer;
let b: AppServer;
let bucket: string;
let client: S3Client;
/** Where instance `a` serves its metrics (docs/metrics.md). */
let metricsPort: number;
const sources: string[] = [];

test.beforeAll(async ({ ceph }) => {
  bucket = await ceph.newBucket();
  client = ceph.client();
  const env = { ...ceph.appEnv, S3_BUCKET: bucket };
  metricsPort = await freePort();
  [a, b] = await Promise.all([AppServer.start({ env: { ...env, METRICS_PORT: String(metricsPort) } }), AppServer.start({ env })]);
});

test.afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
  client?.destroy();
  for (const file of sources) fs.rmSync(file, { force: true });
});

function source(name: string, size: number): string {
  const file = randomFile(name, size);
  sources.push(file);
  return file;
}

/** The sha256 of an object as the bucket holds it, read with the S3 API, not through the app. */
async function sha256OfObject(key: string): Promise<string> {
  const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function keysOf(id: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: id }));
  return (page.Contents ?? []).map((object) => object.Key ?? '');
}

function tusUpload(file: string, options: tus.UploadOptions): tus.Upload {
  return new tus.Upload(fs.createReadStream(file), { retryDelays: null, ...options });
}

test('the app says where it stores and advertises every extension the file store has', async () => {
  expect(a.log).toMatch(new RegExp(`storing uploads in s3://${bucket} at http://127\\.0\\.0\\.1:\\d+`));
  const options = await rawRequest(a.endpoint, { method: 'OPTIONS', headers: TUS });
  expect(options.status).toBe(204);
  expect(headerTokens(options, 'Tus-Extension').sort()).toEqual([...EXTENSIONS].sort());
  expect(headerTokens(options, 'Tus-Checksum-Algorithm')).toEqual(['sha1', 'md5', 'sha256', 'sha512', 'crc32']);
});

test('tus-js-client uploads a file byte-exact: the object in the bucket and the download are the file', async () => {
  const file = source('photos.tar', 13 * MiB + 321);
  const upload = tusUpload(file, { endpoint: a.endpoint, chunkSize: 6 * MiB, metadata: { filename: 'photos.tar' } });
  await uploadToEnd(upload);
  const id = uploadIdOf(upload.url!);
  const expected = await sha256OfFile(file);
  expect(await sha256OfObject(id)).toBe(expected);
  expect(await sha256OfDownload(upload.url!.replace(a.baseUrl, b.baseUrl))).toBe(expected);
  // Listed on both instances.
  for (const app of [a, b]) {
    const list = (await (await fetch(`${app.baseUrl}/api/uploads`)).json()) as {
      uploads: Array<{ id: string; name: string; size: number }>;
    };
    expect(list.uploads).toContainEqual(expect.objectContaining({ id, name: 'photos.tar', size: 13 * MiB + 321 }));
  }
});

test('an upload aborted mid-PATCH resumes from the bytes the bucket holds, on the other instance', async () => {
  const size = 16 * MiB + 99;
  const file = source('video.mp4', size);
  const stallAt = 12 * MiB + 5;
  let url: string | null = null;
  const first = tusUpload(file, {
    endpoint: a.endpoint,
    httpStack: stallingHttpStack(() => stallAt),
    onUploadUrlAvailable: () => {
      url = first.url;
    },
  });
  first.start();
  // Parts of S3_PART_SIZE (8 MiB by default) reach the bucket as they fill: wait for the first.
  await expect
    .poll(
      async () => {
        if (url === null) return 0;
        const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: uploadIdOf(url) }));
        const multipart = open.Uploads?.[0];
        if (!multipart) return 0;
        const parts = await client.send(new ListPartsCommand({ Bucket: bucket, Key: multipart.Key, UploadId: multipart.UploadId }));
        return parts.Parts?.length ?? 0;
      },
      { timeout: 60_000 },
    )
    .toBe(1);
  await first.abort();
  const id = uploadIdOf(url!);
  await a.events.waitFor(
    (event) => event.type === 'request' && event.method === 'PATCH' && event.id === id,
    30_000,
    'the cut PATCH answered',
  );

  const second = tusUpload(file, { endpoint: b.endpoint, uploadUrl: url!.replace(a.baseUrl, b.baseUrl) });
  await uploadToEnd(second);
  const resumeAt = requestsOf(b, { method: 'PATCH', id })[0]?.requestOffset ?? 0;
  // The bytes past the last whole part were never in the bucket: the resume starts after that part.
  expect(resumeAt).toBe(8 * MiB);
  expect(requestsOf(b, { method: 'POST' })).toHaveLength(0);
  expect(await sha256OfObject(id)).toBe(await sha256OfFile(file));
});

test('a deferred length declared on one instance completes on the other', async () => {
  const data = randomBytes(7 * MiB + 3);
  const created = await rawRequest(a.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
  expect(created.status).toBe(201);
  const urlA = new URL(created.headers.location!, a.endpoint).href;
  const urlB = urlA.replace(a.baseUrl, b.baseUrl);
  expect((await patch(urlA, 0, data.subarray(0, 6 * MiB))).status).toBe(204);
  // b reads (and caches) the upload while its length is still deferred.
  expect((await head(urlB)).headers['upload-defer-length']).toBe('1');
  const declared = await patch(urlA, 6 * MiB, data.subarray(6 * MiB, 6 * MiB + 1), { 'Upload-Length': String(data.length) });
  expect(declared.status).toBe(204);
  const last = await patch(urlB, 6 * MiB + 1, data.subarray(6 * MiB + 1));
  expect([last.status, last.headers['upload-offset']]).toEqual([204, String(data.length)]);
  const done = await head(urlA);
  expect([done.headers['upload-offset'], done.headers['upload-length']]).toEqual([String(data.length), String(data.length)]);
  expect(await sha256OfObject(uploadIdOf(urlA))).toBe(sha256(data));
});

test('Upload-Checksum: a mismatch is 460 and stores nothing, a match is stored', async () => {
  const url = await createUpload(a.endpoint, 11);
  const digest = (text: string) => `sha1 ${createHash('sha1').update(text).digest('base64')}`;
  const refused = await patch(url, 0, 'hello world', { 'Upload-Checksum': digest('hello there') });
  expect(refused.status).toBe(460);
  expect(refused.text).toMatch(/^ERR_CHECKSUM_MISMATCH/);
  expect((await head(url)).headers['upload-offset']).toBe('0');
  expect(await keysOf(uploadIdOf(url))).toEqual([`${uploadIdOf(url)}.info`]);
  const accepted = await patch(url, 0, 'hello world', { 'Upload-Checksum': digest('hello world') });
  expect([accepted.status, accepted.headers['upload-offset']]).toEqual([204, '11']);
  const download = await fetch(url.replace(a.baseUrl, b.baseUrl));
  expect(await download.text()).toBe('hello world');
});

test('tus-js-client parallel uploads are concatenated into one object, byte-exact (pieces copied by the bucket)', async () => {
  const file = source('disk.img', 12 * MiB + 1);
  const upload = tusUpload(file, { endpoint: a.endpoint, parallelUploads: 2, metadata: { filename: 'disk.img' } });
  await uploadToEnd(upload);
  const id = uploadIdOf(upload.url!);
  const final = await head(upload.url!.replace(a.baseUrl, b.baseUrl));
  expect(final.headers['upload-concat']).toMatch(/^final;/);
  expect(final.headers['upload-offset']).toBe(String(12 * MiB + 1));
  expect(await sha256OfObject(id)).toBe(await sha256OfFile(file));
});

test('curl: small partial uploads, a final created before they finish, a download with Range', async () => {
  const pieces = [source('piece-0', 1000), source('piece-1', 2000)];
  const curl = async (url: string, args: string[]) => {
    const result = await runProcess('curl', ['-sS', '--max-time', '60', '-H', 'Tus-Resumable: 1.0.0', ...args, url]);
    if (result.code !== 0) throw new Error(`curl failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  };
  const created = (url: string, headers: string[]) =>
    curl(url, ['-X', 'POST', ...headers, '-o', '/dev/null', '-w', '%{http_code} %header{location}']);
  const parts: string[] = [];
  for (const [index, size] of [1000, 2000].entries()) {
    const [status, location] = (await created(a.endpoint, ['-H', 'Upload-Concat: partial', '-H', `Upload-Length: ${size}`])).split(' ');
    expect([index, status]).toEqual([index, '201']);
    parts.push(new URL(location, a.endpoint).href);
  }
  // The final names its pieces by path, on the other instance, before they hold a byte.
  const final = (await created(b.endpoint, ['-H', `Upload-Concat: final;${parts.map((url) => new URL(url).pathname).join(' ')}`])).split(
    ' ',
  );
  expect(final[0]).toBe('201');
  const finalUrl = new URL(final[1], b.endpoint).href;
  expect((await head(finalUrl)).headers['upload-offset']).toBeUndefined();
  for (const [index, url] of parts.entries()) {
    const headers = ['-H', 'Upload-Offset: 0', '-H', 'Content-Type: application/offset+octet-stream'];
    const status = await curl(url, [
      '-X',
      'PATCH',
      ...headers,
      '--data-binary',
      `@${pieces[index]}`,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
    ]);
    expect(status).toBe('204');
  }
  const whole = Buffer.concat(pieces.map((piece) => fs.readFileSync(piece)));
  const id = uploadIdOf(finalUrl);
  expect(await sha256OfObject(id)).toBe(sha256(whole));
  const ranged = await curl(finalUrl.replace(b.baseUrl, a.baseUrl), ['-D', '-', '-o', '/dev/null', '-H', 'Range: bytes=990-1009']);
  expect(ranged).toMatch(/^HTTP\/1\.1 206/);
  expect(ranged).toMatch(/content-range: bytes 990-1009\/3000/i);
  const range = await fetch(finalUrl, { headers: { Range: 'bytes=990-1009' } });
  expect(Buffer.from(await range.arrayBuffer())).toEqual(whole.subarray(990, 1010));
});

test('DELETE on one instance: the other answers 404 and the bucket holds nothing of the upload', async () => {
  const unfinished = await createUpload(a.endpoint, 10 * MiB);
  expect((await patch(unfinished, 0, randomBytes(MiB))).status).toBe(204);
  const finished = await uploadWhole(a.endpoint, Buffer.from('done'), { filename: 'done.txt' });
  for (const url of [unfinished, finished]) {
    const other = url.replace(a.baseUrl, b.baseUrl);
    expect((await head(other)).status).toBe(200);
    const deleted = await rawRequest(url, { method: 'DELETE', headers: TUS });
    expect(deleted.status).toBe(204);
    expect((await head(other)).status).toBe(404);
    expect((await fetch(other)).status).toBe(404);
    expect(await keysOf(uploadIdOf(url))).toEqual([]);
  }
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: uploadIdOf(unfinished) }));
  expect(open.Uploads ?? []).toEqual([]);
});

test('while the storage service is down every request says so with a retriable 503; once it is back the upload resumes byte-exact', async ({
  ceph,
}) => {
  const data = randomBytes(9 * MiB);
  const url = await createUpload(a.endpoint, data.length);
  expect((await patch(url, 0, data.subarray(0, 8 * MiB))).status).toBe(204);
  const finished = await uploadWhole(a.endpoint, Buffer.from('kept'));
  await ceph.stop();
  try {
    const headAnswer = await head(url);
    // A HEAD answer has no body to carry the code; 423, because tus clients start over after any other refused HEAD.
    expect([headAnswer.status, headAnswer.headers['retry-after']]).toEqual([423, '2']);
    const answers = [
      await patch(url.replace(a.baseUrl, b.baseUrl), 8 * MiB, data.subarray(8 * MiB)),
      await rawRequest(a.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 5 } }),
      await rawRequest(finished, { method: 'GET' }),
      await rawRequest(`${b.baseUrl}/api/uploads`, { method: 'GET' }),
    ];
    for (const answer of answers) {
      expect([answer.status, answer.text.split(':')[0], answer.headers['retry-after']]).toEqual([503, 'ERR_STORAGE_UNAVAILABLE', '2']);
    }
  } finally {
    await ceph.restart();
  }
  expect((await head(url.replace(a.baseUrl, b.baseUrl))).headers['upload-offset']).toBe(String(8 * MiB));
  expect((await patch(url.replace(a.baseUrl, b.baseUrl), 8 * MiB, data.subarray(8 * MiB))).status).toBe(204);
  expect(await sha256OfObject(uploadIdOf(url))).toBe(sha256(data));
  expect(await (await fetch(finished)).text()).toBe('kept');
});

test.describe('with REDIS_URL', () => {
  let redis: RedisServer;
  let c: AppServer;
  let d: AppServer;
  let shared: string;

  test.beforeAll(async ({ ceph }) => {
    redis = await RedisServer.start();
    shared = await ceph.newBucket();
    const env = { ...ceph.appEnv, S3_BUCKET: shared, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'test:' };
    [c, d] = await Promise.all([AppServer.start({ env }), AppServer.start({ env })]);
  });
  test.afterAll(async () => {
    await Promise.all([c?.dispose(), d?.dispose()]);
    await redis?.dispose();
  });

  test('the store cache is shared in Redis: a deferred length declared on one instance completes on the other', async () => {
    const data = randomBytes(6 * MiB + 5);
    const created = await rawRequest(c.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
    expect([created.status, created.text]).toEqual([201, '']);
    const urlC = new URL(created.headers.location!, c.endpoint).href;
    const urlD = urlC.replace(c.baseUrl, d.baseUrl);
    const id = uploadIdOf(urlC);
    expect((await patch(urlD, 0, data.subarray(0, 6 * MiB))).status).toBe(204);
    const connection = new Redis(redis.url);
    try {
      const cached = JSON.parse((await connection.get(`test:s3-cache:${id}`)) ?? 'null') as { 'upload-id'?: string } | null;
      expect(cached?.['upload-id']).toBeTruthy();
      expect((await patch(urlC, 6 * MiB, data.subarray(6 * MiB, 6 * MiB + 1), { 'Upload-Length': String(data.length) })).status).toBe(204);
      const last = await patch(urlD, 6 * MiB + 1, data.subarray(6 * MiB + 1));
      expect([last.status, last.headers['upload-offset']]).toEqual([204, String(data.length)]);
      // Completion clears the entry for every instance.
      expect(await connection.exists(`test:s3-cache:${id}`)).toBe(0);
    } finally {
      connection.disconnect();
    }
    const { Body } = await client.send(new GetObjectCommand({ Bucket: shared, Key: id }));
    expect(sha256(Buffer.from(await Body!.transformToByteArray()))).toBe(sha256(data));
  });
});

test.describe('expiration', () => {
  let expiring: AppServer;
  let expiringBucket: string;

  test.beforeAll(async ({ ceph }) => {
    expiringBucket = await ceph.newBucket();
    expiring = await AppServer.start({
      env: { ...ceph.appEnv, S3_BUCKET: expiringBucket, UPLOAD_EXPIRES_AFTER: '3s', UPLOAD_SWEEP_INTERVAL: '1s' },
    });
  });
  test.afterAll(async () => {
    await expiring?.dispose();
  });

  test('the sweeper removes an abandoned upload from the bucket and keeps a finished one', async () => {
    const abandoned = await createUpload(expiring.endpoint, 10 * MiB);
    expect((await patch(abandoned, 0, randomBytes(100))).status).toBe(204);
    const finished = await uploadWhole(expiring.endpoint, Buffer.from('kept'));
    const id = uploadIdOf(abandoned);
    await expiring.events.waitFor((event) => event.type === 'expired' && event.id === id, 30_000, 'the abandoned upload expired');
    expect((await head(abandoned)).status).toBe(404);
    const page = await client.send(new ListObjectsV2Command({ Bucket: expiringBucket, Prefix: id }));
    expect(page.Contents ?? []).toEqual([]);
    const open = await client.send(new ListMultipartUploadsCommand({ Bucket: expiringBucket, Prefix: id }));
    expect(open.Uploads ?? []).toEqual([]);
    expect(await (await fetch(finished)).text()).toBe('kept');
    expect(
      expiring.events
        .all()
        .filter((event) => event.type === 'expired')
        .map((event) => event.id),
    ).toEqual([id]);
  });
});

test("each request to the bucket is timed under tusd's operation name (tusd_s3_request_duration_ms)", async () => {
  // 9 MiB in 8 MiB parts: two parts, then the multipart upload is completed.
  await uploadWhole(a.endpoint, randomBytes(9 * MiB));
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const count = (operation: string) =>
    Number(new RegExp(`^tusd_s3_request_duration_ms_count\\{operation="${operation}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  expect(count('create_multipart_upload'), text).toBeGreaterThanOrEqual(1);
  expect(count('upload_part')).toBeGreaterThanOrEqual(2);
  expect(count('complete_multipart_upload')).toBeGreaterThanOrEqual(1);
  // tusd's quantiles, in milliseconds.
  expect(text).toMatch(/^tusd_s3_request_duration_ms\{[^}]*quantile="0.99"[^}]*operation="upload_part"[^}]*\} [\d.e+-]+$/m);
});
