import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { CHECKSUM_ALGORITHMS, digestOf, uploadChecksum } from '../support/checksum';
import { storedBytes, uploadIdOf } from '../support/clients';
import { dataFileOf, uploadFolder, uploadState } from '../support/disk';
import { sha256, sha256OfDownload } from '../support/files';
import { createUpload, headerTokens, patch, rawRequest, TUS, type RawResponse } from '../support/http';
import { expect, test } from './server-fixture';

// Checksum (K-01 to K-06): a chunk is verified before it is committed, so a
// refused chunk leaves the data file on disk byte-identical and the offset
// where it was. The same with the checksum in a trailer: checksum-trailer.spec.ts.

const MiB = 1024 * 1024;

/** A POST that creates an upload of `length` bytes with `body` as its first bytes (creation-with-upload). */
function createWithBody(
  endpoint: string,
  length: number,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return rawRequest(endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': length, 'Content-Type': 'application/offset+octet-stream', ...headers },
    body,
  });
}

/** Upload-Checksum values that are not `<supported algorithm> <base64 digest of the right length>`. */
const UNSUPPORTED = [`md4 ${Buffer.alloc(16).toString('base64')}`, `sha224 ${Buffer.alloc(28).toString('base64')}`, `crc32c AAAAAA==`];
const MALFORMED = {
  'no space': `sha1${digestOf('sha1', 'world').toString('base64')}`,
  'no digest': 'sha1',
  'bad base64': 'sha1 !!!not*base64!!!',
  'a sha1 digest of md5 length': `sha1 ${digestOf('md5', 'world').toString('base64')}`,
  'a crc32 digest of 8 bytes': `crc32 ${Buffer.concat([digestOf('crc32', 'world'), digestOf('crc32', 'world')]).toString('base64')}`,
};

test('K-01 OPTIONS advertises checksum and its algorithms in lower case, sha1 included', async ({ app }) => {
  const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  const extensions = headerTokens(res, 'Tus-Extension');
  expect(extensions).toContain('checksum');
  const algorithms = headerTokens(res, 'Tus-Checksum-Algorithm');
  for (const algorithm of algorithms) expect(algorithm).toMatch(/^[a-z0-9-]+$/);
  expect(algorithms).toContain('sha1');
  expect([...algorithms].sort()).toEqual([...CHECKSUM_ALGORITHMS].sort());
});

for (const algorithm of CHECKSUM_ALGORITHMS) {
  test(`K-02 PATCHes with a correct ${algorithm} checksum are 204 and store the bytes`, async ({ app }) => {
    const url = await createUpload(app.endpoint, 10);
    const first = await patch(url, 0, 'hello', { 'Upload-Checksum': uploadChecksum(algorithm, 'hello') });
    expect(first.status).toBe(204);
    expect(first.headers['upload-offset']).toBe('5');
    const second = await patch(url, 5, 'world', { 'Upload-Checksum': uploadChecksum(algorithm, 'world') });
    expect(second.status).toBe(204);
    expect(second.headers['upload-offset']).toBe('10');
    expect(fs.readFileSync(dataFileOf(app, url), 'utf8')).toBe('helloworld');
  });

  test(`K-03 a PATCH with a wrong ${algorithm} digest is 460 and neither the bytes nor the offset change`, async ({ app }) => {
    const url = await createUpload(app.endpoint, 10);
    expect((await patch(url, 0, 'hello')).status).toBe(204);
    const before = await uploadState(app, url);
    const res = await patch(url, 5, 'world', { 'Upload-Checksum': uploadChecksum(algorithm, 'WORLD') });
    expect(res.status).toBe(460);
    expect(res.text).toMatch(/^ERR_CHECKSUM_MISMATCH: /);
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(await uploadState(app, url)).toEqual(before);
    // Nothing of the refused chunk is left behind: the right one goes in at the same offset.
    const retry = await patch(url, 5, 'world', { 'Upload-Checksum': uploadChecksum(algorithm, 'world') });
    expect(retry.status).toBe(204);
    expect(fs.readFileSync(dataFileOf(app, url), 'utf8')).toBe('helloworld');
  });
}

const REFUSED_HEADERS: [string, string][] = [
  ...UNSUPPORTED.map((value): [string, string] => [`K-04 Upload-Checksum "${value}" (unsupported algorithm)`, value]),
  ...Object.entries(MALFORMED).map(([what, value]): [string, string] => [`K-05 a malformed Upload-Checksum (${what})`, value]),
];
for (const [what, value] of REFUSED_HEADERS) {
  test(`${what} is 400 and changes nothing`, async ({ app }) => {
    const url = await createUpload(app.endpoint, 10);
    expect((await patch(url, 0, 'hello')).status).toBe(204);
    const before = await uploadState(app, url);
    const res = await patch(url, 5, 'world', { 'Upload-Checksum': value });
    expect(res.status).toBe(400);
    expect(await uploadState(app, url)).toEqual(before);
  });
}

test.describe('creation-with-upload (K-06)', () => {
  test('K-06 a POST whose body matches its checksum is 201 with the offset, and the bytes are stored', async ({ app }) => {
    const res = await createWithBody(app.endpoint, 11, 'hello', { 'Upload-Checksum': uploadChecksum('sha1', 'hello') });
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('5');
    const url = new URL(res.headers.location ?? '', app.endpoint).href;
    expect(fs.readFileSync(dataFileOf(app, url), 'utf8')).toBe('hello');
    expect((await patch(url, 5, ' world', { 'Upload-Checksum': uploadChecksum('sha1', ' world') })).status).toBe(204);
    expect((await rawRequest(url, { method: 'GET' })).text).toBe('hello world');
  });

  const refusals: [string, string, number][] = [
    ['a wrong digest', uploadChecksum('sha1', 'HELLO'), 460],
    ['an unsupported algorithm', UNSUPPORTED[0], 400],
    ['a malformed header', MALFORMED['bad base64'], 400],
  ];
  for (const [what, value, status] of refusals) {
    test(`K-06 a POST with ${what} is ${status}: no Location and nothing created`, async ({ app }) => {
      const folderBefore = uploadFolder(app);
      const res = await createWithBody(app.endpoint, 11, 'hello', { 'Upload-Checksum': value });
      expect(res.status).toBe(status);
      expect(res.headers.location).toBeUndefined();
      expect(uploadFolder(app)).toEqual(folderBefore);
    });
  }
});

test('K-03 a chunk corrupted on the way is refused, and sent again it completes the upload byte-exact', async ({ app }) => {
  const data = randomBytes(3 * MiB);
  const chunks = [0, 1, 2].map((i) => data.subarray(i * MiB, (i + 1) * MiB));
  const url = await createUpload(app.endpoint, data.length);
  expect((await patch(url, 0, chunks[0], { 'Upload-Checksum': uploadChecksum('sha256', chunks[0]) })).status).toBe(204);
  const before = await uploadState(app, url);

  const corrupted = Buffer.from(chunks[1]);
  corrupted[MiB / 2] ^= 0x01;
  const refused = await patch(url, MiB, corrupted, { 'Upload-Checksum': uploadChecksum('sha256', chunks[1]) });
  expect(refused.status).toBe(460);
  expect(await uploadState(app, url)).toEqual(before);

  for (const i of [1, 2]) {
    const res = await patch(url, i * MiB, chunks[i], { 'Upload-Checksum': uploadChecksum('sha256', chunks[i]) });
    expect(res.status).toBe(204);
    expect(res.headers['upload-offset']).toBe(String((i + 1) * MiB));
  }
  expect(await sha256OfDownload(url)).toBe(sha256(data));
  expect(sha256(fs.readFileSync(dataFileOf(app, url)))).toBe(sha256(data));
});

test.describe('a crash mid-verification', () => {
  // The server's temporary folder is one this test can see, so it can tell
  // when the server holds the bytes of a chunk that is not verified yet,
  // wherever the engine stages them (this folder or the upload folder).
  const tmpDir = path.join(os.tmpdir(), `checksum-crash-${process.pid}-${Date.now()}`);
  test.beforeAll(() => fs.mkdirSync(tmpDir, { recursive: true }));
  test.afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
  const crashy = serverForThisFile({ env: { TMPDIR: tmpDir } });

  /** Bytes in every file of the temporary and upload folders but the upload's own data and info files. */
  function bytesOutside(id: string): number {
    let total = 0;
    for (const folder of [tmpDir, crashy.uploadDir]) {
      for (const entry of fs.readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
        if (entry === id || entry === `${id}.json`) continue;
        const stat = fs.statSync(path.join(folder, entry), { throwIfNoEntry: false });
        if (stat?.isFile()) total += stat.size;
      }
    }
    return total;
  }

  test('K-03 the server killed while a chunk with a checksum is arriving: after a restart, bytes and offset are as before', async () => {
    const url = await createUpload(crashy.endpoint, 4 * MiB);
    const id = uploadIdOf(url);
    expect((await patch(url, 0, randomBytes(MiB))).status).toBe(204);
    const before = await uploadState(crashy, url);
    const stagedBefore = bytesOutside(id);

    const chunk = randomBytes(2 * MiB);
    const req = http.request(url, {
      method: 'PATCH',
      agent: false,
      headers: {
        ...TUS,
        'Upload-Offset': MiB,
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': chunk.length,
        'Upload-Checksum': uploadChecksum('sha256', chunk),
      },
    });
    req.on('error', () => {}); // the crash resets the connection: expected
    const sent = chunk.subarray(0, MiB);
    req.write(sent);
    // The server holds every byte sent so far (the file store writes them in place, after a marker of
    // the unverified tail): killed now, it must not count them.
    await expect
      .poll(() => bytesOutside(id) - stagedBefore + (storedBytes(crashy, id) - before.bytes), {
        message: 'the server should receive the first half of the chunk',
      })
      .toBeGreaterThanOrEqual(sent.length);

    await crashy.kill();
    req.destroy();
    await crashy.launch();
    expect(await uploadState(crashy, url)).toEqual(before);

    // And the upload goes on from there.
    const res = await patch(url, MiB, chunk, { 'Upload-Checksum': uploadChecksum('sha256', chunk) });
    expect(res.status).toBe(204);
    expect(res.headers['upload-offset']).toBe(String(3 * MiB));
  });
});
