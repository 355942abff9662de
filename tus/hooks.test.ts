import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Metadata } from '@tus/server';
import { createUploadEngine, UploadError, type UploadEngine, type UploadHooks } from './index';

// Hooks given in code, on an engine served by a plain Node server (no Next.js): what they return changes what is
// stored and answered, and a refusal they throw is the client's answer.

let dir: string;
let engine: UploadEngine;
let server: http.Server;
let endpoint: string;

async function serve(hooks: UploadHooks): Promise<void> {
  engine = createUploadEngine({ uploadDir: dir, hooks, path: '/files' });
  server = http.createServer((req, res) => void engine.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
}

test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hooks-'));
});
test.afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TUS = { 'Tus-Resumable': '1.0.0' };
const create = (headers: Record<string, string>, body?: string) =>
  fetch(endpoint, {
    method: 'POST',
    headers: { ...TUS, ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/offset+octet-stream' }) },
    body,
  });

test('onUploadCreate may replace the metadata stored; onUploadFinish may change the answer that completes the upload', async () => {
  const finished: string[] = [];
  await serve({
    async onUploadCreate(req, upload) {
      return { metadata: { ...upload.metadata, owner: req.header('x-team') ?? 'nobody' } };
    },
    async onUploadFinish(_req, upload) {
      finished.push(upload.id);
      return { status: 200, body: `stored ${upload.size} bytes\n`, headers: { 'X-Stored': String(upload.size) } };
    },
  });
  const started = await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'a.txt' }), 'X-Team': 'blue' });
  expect(started.status).toBe(201);
  const url = started.headers.get('location')!;
  // The mount path is the engine's own: /files/<id>.
  expect(url).toMatch(/\/files\/[0-9a-f]{32}$/);
  const stored = await fetch(url, { method: 'HEAD', headers: TUS });
  expect(Metadata.parse(stored.headers.get('upload-metadata') ?? '')).toEqual({ filename: 'a.txt', owner: 'blue' });
  expect(finished).toEqual([]);

  const done = await fetch(url, {
    method: 'PATCH',
    headers: { ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    body: 'hello',
  });
  expect([done.status, await done.text(), done.headers.get('x-stored'), done.headers.get('upload-offset')]).toEqual([
    200,
    'stored 5 bytes\n',
    '5',
    '5',
  ]);
  expect(finished).toEqual([url.split('/').pop()]);
});

test('a hook that throws an UploadError refuses the request with it, and nothing is created', async () => {
  await serve({
    async onUploadCreate(_req, upload) {
      if (!upload.metadata?.filename) throw new UploadError(400, 'ERR_FILENAME_REQUIRED', 'send a filename in Upload-Metadata');
    },
  });
  const refused = await create({ 'Upload-Length': '5' }, 'hello');
  expect([refused.status, await refused.text()]).toEqual([400, 'ERR_FILENAME_REQUIRED: send a filename in Upload-Metadata\n']);
  expect(refused.headers.get('tus-resumable')).toBe('1.0.0');
  expect(fs.readdirSync(dir)).toEqual([]);
  expect((await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'b' }) })).status).toBe(201);
});
