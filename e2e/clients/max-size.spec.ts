import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { storedBytes, uploadIdOf } from '../support/clients';
import { sha256 } from '../support/files';
import { createUpload, patch, rawRequest, TUS } from '../support/http';

// UPLOAD_MAX_SIZE is advertised and enforced: on the declared length, on a
// length declared late, and on the bytes of an upload whose length is deferred.

const MAX = 2 ** 20;

const app = serverForThisFile({ env: { UPLOAD_MAX_SIZE: '1MiB' } });

async function createDeferred(): Promise<string> {
  const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': '1' } });
  expect(res.status, res.text).toBe(201);
  return new URL(res.headers.location!, app.endpoint).href;
}

/** A PATCH whose body goes out chunked, without Content-Length: the server only learns its size by reading it. */
function patchChunked(url: string, offset: number, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      agent: false,
      headers: { ...TUS, 'Upload-Offset': offset, 'Content-Type': 'application/offset+octet-stream', 'Transfer-Encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // The server may answer 413 and close before the whole body is out.
    req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

test('OPTIONS advertises Tus-Max-Size', async () => {
  const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  expect(res.status).toBe(204);
  expect(res.headers['tus-max-size']).toBe(String(MAX));
});

test('a declared length over the maximum gets 413; the maximum itself is accepted', async () => {
  const over = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': MAX + 1 } });
  expect(over.status).toBe(413);
  expect(over.headers.location).toBeUndefined();

  const data = randomBytes(MAX);
  const url = await createUpload(app.endpoint, MAX);
  const res = await patch(url, 0, data);
  expect(res.status).toBe(204);
  expect(res.headers['upload-offset']).toBe(String(MAX));
  expect(sha256((await rawRequest(url, { method: 'GET' })).body)).toBe(sha256(data));
});

test('a deferred-length upload is stopped with 413 when its PATCHes pass the maximum', async () => {
  const url = await createDeferred();
  const id = uploadIdOf(url);
  const first = randomBytes(600 * 1024);
  expect((await patch(url, 0, first)).status).toBe(204);

  // Announced by Content-Length: refused before a byte is stored.
  const announced = await patch(url, first.length, randomBytes(600 * 1024));
  expect(announced.status).toBe(413);
  expect(storedBytes(app, id)).toBe(first.length);

  // Chunked, so the size shows only while reading: cut off at the maximum.
  const status = await patchChunked(
    url,
    first.length,
    Array.from({ length: 10 }, () => randomBytes(64 * 1024)),
  );
  expect(status).toBe(413);
  expect(storedBytes(app, id)).toBeLessThanOrEqual(MAX);

  // Declaring a length over the maximum on a PATCH is refused as well.
  const fresh = await createDeferred();
  const declared = await patch(fresh, 0, Buffer.alloc(0), { 'Upload-Length': String(MAX + 1) });
  expect(declared.status).toBe(413);
  const head = await rawRequest(fresh, { method: 'HEAD', headers: { ...TUS } });
  expect(head.headers['upload-defer-length']).toBe('1');
  expect(head.headers['upload-length']).toBeUndefined();
  expect(app.running).toBe(true);
});

test('a deferred-length upload within the maximum completes once its length is declared', async () => {
  const data = randomBytes(MAX - 1000);
  const url = await createDeferred();
  expect((await patch(url, 0, data.subarray(0, 500_000))).status).toBe(204);
  const last = await patch(url, 500_000, data.subarray(500_000), { 'Upload-Length': String(data.length) });
  expect(last.status).toBe(204);
  expect(last.headers['upload-offset']).toBe(String(data.length));
  expect(sha256((await rawRequest(url, { method: 'GET' })).body)).toBe(sha256(data));
});
