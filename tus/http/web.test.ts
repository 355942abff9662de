import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createUploadEngine, type UploadEngine } from '../index';

// The endpoint served as a Web handler (Next.js route handlers: `next dev`,
// `next start`). A Web Request has no trailers, so checksum-trailer is not
// offered there, and a request that announces its checksum as a trailer is
// refused before a byte is stored, never taken as verified.

let dir: string;
let engine: UploadEngine;
const endpoint = 'http://localhost/files';
const TUS = { 'Tus-Resumable': '1.0.0' };
const BYTES = { 'Content-Type': 'application/offset+octet-stream' };
const sha1 = (data: string) => `sha1 ${createHash('sha1').update(data).digest('base64')}`;

test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-'));
  engine = createUploadEngine({ uploadDir: dir, path: '/files', log: { level: 'silent', format: 'json' } });
});
test.afterEach(() => {
  engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ask = (url: string, init: RequestInit) => engine.handleWeb(new Request(url, init));

test('OPTIONS offers checksum but not checksum-trailer', async () => {
  const res = await ask(endpoint, { method: 'OPTIONS' });
  const extensions = res.headers.get('tus-extension')?.split(',') ?? [];
  expect(extensions).toContain('checksum');
  expect(extensions).not.toContain('checksum-trailer');
});

test('a PATCH or POST announcing its checksum as a trailer is 400 and stores nothing; the same bytes with the header go in', async () => {
  const created = await ask(endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': '10' } });
  expect(created.status).toBe(201);
  const url = new URL(created.headers.get('location') ?? '', endpoint).href;
  const dataFile = path.join(dir, url.split('/').pop() ?? '');
  const folder = fs.readdirSync(dir).sort();

  const patched = await ask(url, {
    method: 'PATCH',
    headers: { ...TUS, ...BYTES, 'Upload-Offset': '0', Trailer: 'Upload-Checksum' },
    body: 'hello',
  });
  expect([patched.status, await patched.text()]).toEqual([
    400,
    'ERR_CHECKSUM_TRAILER_UNSUPPORTED: this endpoint cannot read request trailers; send Upload-Checksum as a header; nothing was stored\n',
  ]);
  expect(fs.readFileSync(dataFile, 'latin1')).toBe('');

  const posted = await ask(endpoint, {
    method: 'POST',
    headers: { ...TUS, ...BYTES, 'Upload-Length': '5', Trailer: 'X-Other, upload-checksum' },
    body: 'hello',
  });
  expect([posted.status, posted.headers.get('location')]).toEqual([400, null]);
  expect(fs.readdirSync(dir).sort()).toEqual(folder);

  const withHeader = await ask(url, {
    method: 'PATCH',
    headers: { ...TUS, ...BYTES, 'Upload-Offset': '0', 'Upload-Checksum': sha1('hello') },
    body: 'hello',
  });
  expect([withHeader.status, withHeader.headers.get('upload-offset')]).toEqual([204, '5']);
  expect(fs.readFileSync(dataFile, 'latin1')).toBe('hello');
});
