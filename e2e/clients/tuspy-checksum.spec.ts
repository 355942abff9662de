import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { requestsOf, runTuspy, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { RecordingProxy, type RecordedRequest } from '../support/recording-proxy';

// tuspy (Debian's python3-tuspy) with upload_checksum=True sends
// `Upload-Checksum: sha1 <base64>` with every PATCH. The server checks it:
// matching chunks are stored, a chunk altered on the way is refused with 460
// and stores nothing, and tuspy, retrying, sends it again. tuspy talks to
// the server through a relay that records its requests (the event log has
// no request headers) and can alter a body without touching the headers.

const CHUNK = 512 * 1024;
// Not a multiple of the chunk size: the last PATCH is a short one.
const SIZE = 5 * 2 ** 20 + 12_345;
const CHUNKS = Math.ceil(SIZE / CHUNK);

const app = serverForThisFile();
let relay: RecordingProxy;
let file: string;
let bytes: Buffer;
test.beforeAll(async () => {
  relay = await RecordingProxy.start(app.port);
  file = randomFile('measurements.bin', SIZE);
  bytes = fs.readFileSync(file);
});
test.afterAll(async () => {
  await relay?.close();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

function sha1Base64(data: Buffer): string {
  return createHash('sha1').update(data).digest('base64');
}

/** The Upload-Checksum of the file's bytes a PATCH starting at `offset` carries. */
function checksumOfChunkAt(offset: number): string {
  return `sha1 ${sha1Base64(bytes.subarray(offset, Math.min(offset + CHUNK, SIZE)))}`;
}

/** The PATCHes tuspy sent through the relay since `from`. */
function patchesSince(from: number): RecordedRequest[] {
  return relay.requests.slice(from).filter((request) => request.method === 'PATCH');
}

test('tuspy with upload_checksum=True sends a sha1 Upload-Checksum with every PATCH; the server accepts each, byte-exact', async () => {
  const from = relay.requests.length;
  const result = await runTuspy({ endpoint: `${relay.baseUrl}/api/upload`, file, chunkSize: CHUNK, checksum: true });
  expect(result).toMatchObject({ started_at: 0, offset: SIZE, chunks: CHUNKS });
  // Every request went through the relay (the Location is built from the Host the relay passes on).
  expect(result.url.startsWith(`${relay.baseUrl}/api/upload/`)).toBe(true);
  const id = uploadIdOf(result.url);

  // Each PATCH carried the sha1 of exactly the bytes it sent, and was accepted.
  const patches = patchesSince(from);
  expect(patches).toHaveLength(CHUNKS);
  patches.forEach((patch, i) => {
    expect(patch.headers['upload-offset']).toBe(String(i * CHUNK));
    expect(patch.headers['upload-checksum'], `PATCH ${i}`).toBe(checksumOfChunkAt(i * CHUNK));
    expect(patch.headers['upload-checksum']).toBe(`sha1 ${patch.bodySha1}`);
    expect(patch.status).toBe(204);
  });
  expect(requestsOf(app, { method: 'PATCH', id }).map((e) => [e.status, e.requestOffset, e.responseOffset])).toEqual(
    patches.map((_, i) => [204, i * CHUNK, Math.min((i + 1) * CHUNK, SIZE)]),
  );

  expect(await sha256OfDownload(result.url)).toBe(await sha256OfFile(file));
});

test('a chunk altered on the way is refused with 460 and stores nothing; tuspy sends it again and the file is byte-exact', async () => {
  const ALTERED = 3;
  const alteredAt = ALTERED * CHUNK;
  const from = relay.requests.length;
  // The relay flips one byte of the body of tuspy's 4th PATCH; its Upload-Checksum goes unchanged.
  let patchesSeen = 0;
  relay.corrupt = (request) => request.method === 'PATCH' && patchesSeen++ === ALTERED;
  const result = await runTuspy({ endpoint: `${relay.baseUrl}/api/upload`, file, chunkSize: CHUNK, checksum: true, retries: 1 }).finally(
    () => (relay.corrupt = () => false),
  );
  expect(result).toMatchObject({ started_at: 0, offset: SIZE, chunks: CHUNKS });
  const id = uploadIdOf(result.url);

  // tuspy sent the right checksum each time; the altered body got 460, the same chunk sent again 204.
  const patches = patchesSince(from);
  expect(patches.map((patch) => [Number(patch.headers['upload-offset']), patch.status])).toEqual([
    ...Array.from({ length: ALTERED }, (_, i) => [i * CHUNK, 204]),
    [alteredAt, 460],
    ...Array.from({ length: CHUNKS - ALTERED }, (_, i) => [(ALTERED + i) * CHUNK, 204]),
  ]);
  for (const patch of patches) expect(patch.headers['upload-checksum']).toBe(checksumOfChunkAt(Number(patch.headers['upload-offset'])));

  // The server's side: the 460 left the offset where it was (tuspy's HEAD asked it), and the retry went on from there.
  expect(requestsOf(app, { id }).map((e) => [e.method, e.status, e.requestOffset])).toEqual([
    ['POST', 201, null],
    ...Array.from({ length: ALTERED }, (_, i) => ['PATCH', 204, i * CHUNK]),
    ['PATCH', 460, alteredAt],
    ['HEAD', 200, null],
    ...Array.from({ length: CHUNKS - ALTERED }, (_, i) => ['PATCH', 204, (ALTERED + i) * CHUNK]),
  ]);
  expect(requestsOf(app, { method: 'HEAD', id }).map((e) => e.responseOffset)).toEqual([alteredAt]);

  expect(await sha256OfDownload(result.url)).toBe(await sha256OfFile(file));
});
