import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { requestsOf, storedBytes, uploadIdOf, waitForRequests } from '../support/clients';
import { sha256 } from '../support/files';
import { createUpload, encodeMetadata, patch, rawRequest, TUS } from '../support/http';

// A client whose connection drops in the middle of a PATCH (or of a POST
// with data) must not take the server down, and the upload must go on from
// exactly the bytes the server kept: HEAD tells the offset, and it is the
// size on disk.

const SIZE = 8 * 2 ** 20 + 7;

const app = serverForThisFile();

/**
 * Sends a request's head and the first `sent` bytes of its body on a raw
 * socket, announcing `Content-Length: declared`; `whenSent` runs once they
 * are written and decides when to destroy the socket. Only a raw socket can
 * stop in the middle of a body on purpose.
 */
async function sendCut(
  target: string,
  method: string,
  headers: Record<string, string | number>,
  body: Buffer,
  whenSent: () => Promise<void>,
): Promise<void> {
  const { hostname, port, pathname } = new URL(target);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined); // the server may answer and close first; only the cut matters
  const lines = [`${method} ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  try {
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (body.length > 0) await new Promise<void>((resolve, reject) => socket.write(body, (error) => (error ? reject(error) : resolve())));
    await whenSent();
  } finally {
    socket.destroy();
  }
}

/** HEAD, allowed once no PATCH runs on the upload: the offset the server will accept next. */
async function headOffset(url: string): Promise<number> {
  const res = await rawRequest(url, { method: 'HEAD', headers: { ...TUS } });
  expect(res.status).toBe(200);
  return Number(res.headers['upload-offset']);
}

async function finishAndVerify(url: string, data: Buffer): Promise<void> {
  const offset = await headOffset(url);
  const res = await patch(url, offset, data.subarray(offset));
  expect(res.status, res.text).toBe(204);
  expect(res.headers['upload-offset']).toBe(String(data.length));
  const download = await rawRequest(url, { method: 'GET' });
  expect(download.status).toBe(200);
  expect(sha256(download.body)).toBe(sha256(data));
}

const patchHeaders = (offset: number, length: number) => ({
  ...TUS,
  'Upload-Offset': offset,
  'Content-Type': 'application/offset+octet-stream',
  'Content-Length': length,
});

test('a PATCH cut half way keeps exactly the bytes received, and the upload resumes from there', async () => {
  const data = randomBytes(SIZE);
  const url = await createUpload(app.endpoint, SIZE);
  const id = uploadIdOf(url);
  const sent = 3 * 2 ** 20 + 12_345;

  await sendCut(url, 'PATCH', patchHeaders(0, SIZE), data.subarray(0, sent), async () => {
    // Cut only once the server has all of it on disk (the file, not HEAD: HEAD would steal the lock).
    await expect.poll(() => storedBytes(app, id), { timeout: 30_000 }).toBe(sent);
  });
  const cut = await waitForRequests(app, 'PATCH', id, 1);
  expect(cut.status).toBeLessThan(500);

  expect(app.running).toBe(true);
  expect(storedBytes(app, id)).toBe(sent);
  expect(await headOffset(url)).toBe(sent);
  await finishAndVerify(url, data);
});

test('PATCHes cut after their headers, after a few bytes, and at once leave offset = bytes stored', async () => {
  const data = randomBytes(SIZE);
  const url = await createUpload(app.endpoint, SIZE);
  const id = uploadIdOf(url);
  let offset = 0;
  let patches = 0;
  // Cut points relative to each PATCH's start: nothing after the head, one byte, an odd few KiB, 1 MiB.
  for (const length of [0, 1, 4099, 2 ** 20]) {
    await sendCut(url, 'PATCH', patchHeaders(offset, SIZE - offset), data.subarray(offset, offset + length), async () => {
      if (length > 0) await expect.poll(() => storedBytes(app, id), { timeout: 30_000 }).toBe(offset + length);
    });
    patches += 1;
    // The server is done with the cut PATCH once it has logged its answer.
    await waitForRequests(app, 'PATCH', id, patches);
    offset += length;
    expect(storedBytes(app, id)).toBe(offset);
    expect(await headOffset(url)).toBe(offset);
  }
  // A cut without waiting for the disk: whatever arrived is kept, and HEAD says how much.
  await sendCut(url, 'PATCH', patchHeaders(offset, SIZE - offset), data.subarray(offset, offset + 2 * 2 ** 20), async () => undefined);
  await waitForRequests(app, 'PATCH', id, patches + 1);
  const kept = await headOffset(url);
  expect(kept).toBe(storedBytes(app, id));
  expect(kept).toBeGreaterThanOrEqual(offset);

  expect(app.running).toBe(true);
  await finishAndVerify(url, data);
});

test('a creation-with-upload POST cut half way keeps its bytes under the new upload', async () => {
  const data = randomBytes(SIZE);
  const sent = 2 * 2 ** 20 + 3;
  let id = '';
  const known = new Set(app.events.all().map((e) => e.id));
  const posts = requestsOf(app, { method: 'POST' }).length;
  const headers = {
    ...TUS,
    'Upload-Length': SIZE,
    'Upload-Metadata': encodeMetadata({ filename: 'cut.bin' }),
    'Content-Type': 'application/offset+octet-stream',
    'Content-Length': SIZE,
  };
  await sendCut(app.endpoint, 'POST', headers, data.subarray(0, sent), async () => {
    const created = await app.events.waitFor((e) => e.type === 'created' && !known.has(e.id), 30_000, 'created event');
    id = created.id!;
    await expect.poll(() => storedBytes(app, id), { timeout: 30_000 }).toBe(sent);
  });
  // The server is done with the cut POST once it has logged its answer.
  await app.events.waitFor(() => requestsOf(app, { method: 'POST' }).length > posts, 30_000, 'the cut POST answered');

  expect(app.running).toBe(true);
  // The client never saw the Location, but the upload is there with what arrived.
  const url = `${app.endpoint}/${id}`;
  expect(await headOffset(url)).toBe(sent);
  await finishAndVerify(url, data);
});

test('after all the cuts, a new upload and its download work byte-exact', async () => {
  const data = randomBytes(2 ** 20 + 1);
  const url = await createUpload(app.endpoint, data.length);
  expect((await patch(url, 0, data)).status).toBe(204);
  expect(sha256((await rawRequest(url, { method: 'GET' })).body)).toBe(sha256(data));
  expect(app.running).toBe(true);
  // No request of this file was answered with a server error.
  expect(app.events.all().filter((e) => e.type === 'request' && (e.status ?? 0) >= 500)).toEqual([]);
});
