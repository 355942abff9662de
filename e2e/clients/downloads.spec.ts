import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { createUpload, patch, rawRequest, TUS, uploadWhole, type RawResponse } from '../support/http';

// GET on an upload URL downloads the completed file: as an attachment, with
// a Content-Type only from a safe list, and with byte ranges.

const SIZE = 3 * 2 ** 20 + 333;
let app: AppServer;
let bytes: Buffer;
let url: string;

test.beforeAll(async () => {
  app = await AppServer.start();
  bytes = randomBytes(SIZE);
  url = await uploadWhole(app.endpoint, bytes, { filename: 'clip.webm', filetype: 'video/webm' });
});
test.afterAll(async () => {
  await app?.dispose();
});

function get(target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(target, { method: 'GET', headers });
}

test('a completed upload downloads whole, as an attachment', async () => {
  const res = await get(url);
  expect(res.status).toBe(200);
  expect(res.body.equals(bytes)).toBe(true);
  expect(res.headers['content-type']).toBe('video/webm');
  expect(res.headers['content-disposition']).toBe(`attachment; filename="clip.webm"; filename*=UTF-8''clip.webm`);
  expect(res.headers['accept-ranges']).toBe('bytes');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers.etag).toMatch(/^".+"$/);
});

test('a UTF-8 file name comes back exactly through filename*, with an ASCII fallback', async () => {
  const name = 'Résumé «final» 日本語 "quoted" 100%.txt';
  const target = await uploadWhole(app.endpoint, Buffer.from('hello\n'), { filename: name, filetype: 'text/plain' });
  const res = await get(target);
  expect(res.status).toBe(200);
  expect(res.text).toBe('hello\n');
  expect(res.headers['content-type']).toBe('text/plain');
  const disposition = res.headers['content-disposition']!;
  expect(disposition).toMatch(/^attachment; /);
  // The header itself is plain ASCII; the exact name is in the RFC 5987 form.
  expect(disposition).toMatch(/^[\x20-\x7e]+$/);
  const encoded = /filename\*=UTF-8''([^;\s]+)/.exec(disposition)?.[1];
  expect(decodeURIComponent(encoded!)).toBe(name);
  const fallback = /filename="([^"]*)"/.exec(disposition)?.[1];
  expect(fallback).toBeDefined();
  expect(fallback).not.toMatch(/["\\%]/);
});

test('active content is served as application/octet-stream with nosniff, never as declared', async () => {
  const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
  const cases: Array<[Buffer, string]> = [
    [html, 'text/html'],
    [html, 'TEXT/HTML; charset=utf-8'],
    [svg, 'image/svg+xml'],
    [html, 'application/xhtml+xml'],
    [html, 'text/javascript'],
  ];
  for (const [data, filetype] of cases) {
    const target = await uploadWhole(app.endpoint, data, { filename: 'page.html', filetype });
    const res = await get(target);
    expect(res.status, filetype).toBe(200);
    expect(res.headers['content-type'], filetype).toBe('application/octet-stream');
    expect(res.headers['x-content-type-options'], filetype).toBe('nosniff');
    expect(res.headers['content-disposition'], filetype).toMatch(/^attachment;/);
    expect(res.headers['content-security-policy'], filetype).toContain('sandbox');
    expect(res.body.equals(data), filetype).toBe(true);
  }
});

test('byte ranges answer 206 with exactly those bytes', async () => {
  const cases: Array<[string, number, number]> = [
    ['bytes=100-199', 100, 199],
    ['bytes=0-0', 0, 0],
    [`bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1],
    [`bytes=${2 ** 20}-`, 2 ** 20, SIZE - 1],
    ['bytes=-500', SIZE - 500, SIZE - 1],
    // An end past the file is cut to the file; a suffix longer than the file is the whole file.
    [`bytes=${SIZE - 10}-${SIZE + 1000}`, SIZE - 10, SIZE - 1],
    [`bytes=-${SIZE + 5}`, 0, SIZE - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await get(url, { Range: range });
    expect(res.status, range).toBe(206);
    expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.body.length, range).toBe(end - start + 1);
    expect(res.body.equals(bytes.subarray(start, end + 1)), range).toBe(true);
  }
});

test('an unsatisfiable range answers 416 with the size; a range the server ignores gives the whole file', async () => {
  for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 100}-${SIZE + 200}`, 'bytes=-0']) {
    const res = await get(url, { Range: range });
    expect(res.status, range).toBe(416);
    expect(res.headers['content-range'], range).toBe(`bytes */${SIZE}`);
    expect(res.body.length, range).toBe(0);
  }
  // Several ranges, or a malformed one: RFC 9110 lets the server send everything.
  for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=9-3']) {
    const res = await get(url, { Range: range });
    expect(res.status, range).toBe(200);
    expect(res.body.equals(bytes), range).toBe(true);
  }
});

test('If-Range: a stale validator gets the whole file, a current one the range', async () => {
  const { headers } = await get(url, { Range: 'bytes=0-0' });
  const etag = headers.etag!;
  const lastModified = headers['last-modified']!;

  const stale = await get(url, { Range: 'bytes=10-19', 'If-Range': '"some-other-version"' });
  expect(stale.status).toBe(200);
  expect(stale.headers['content-range']).toBeUndefined();
  expect(stale.body.equals(bytes)).toBe(true);

  const staleDate = await get(url, { Range: 'bytes=10-19', 'If-Range': 'Thu, 01 Jan 1970 00:00:00 GMT' });
  expect(staleDate.status).toBe(200);
  expect(staleDate.body.equals(bytes)).toBe(true);

  for (const validator of [etag, lastModified]) {
    const current = await get(url, { Range: 'bytes=10-19', 'If-Range': validator });
    expect(current.status, validator).toBe(206);
    expect(current.body.equals(bytes.subarray(10, 20)), validator).toBe(true);
  }
});

test('unfinished (partly sent, untouched, length deferred) and unknown uploads are not found', async () => {
  const partial = await createUpload(app.endpoint, 1000);
  expect((await patch(partial, 0, Buffer.alloc(400, 1))).status).toBe(204);
  const untouched = await createUpload(app.endpoint, 1000);
  const deferred = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': '1' } });
  expect(deferred.status).toBe(201);
  const deferredUrl = new URL(deferred.headers.location!, app.endpoint).href;
  for (const target of [partial, untouched, deferredUrl, `${app.endpoint}/0123456789abcdef0123456789abcdef`]) {
    const res = await get(target);
    expect(res.status, target).toBe(404);
    expect(res.body.includes(Buffer.alloc(400, 1)), target).toBe(false);
  }
  // Ranges change nothing about that.
  expect((await get(partial, { Range: 'bytes=0-9' })).status).toBe(404);
  // The collection URL itself is not a download either.
  expect((await get(app.endpoint)).status).toBe(404);
});

test('an empty file downloads as an empty 200', async () => {
  const target = await uploadWhole(app.endpoint, Buffer.alloc(0), { filename: 'empty.txt', filetype: 'text/plain' });
  const res = await get(target);
  expect(res.status).toBe(200);
  expect(res.body.length).toBe(0);
  expect(res.headers['content-disposition']).toContain('filename="empty.txt"');
});
