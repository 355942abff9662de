import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { requestsOf, runTuspy, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';

// tuspy (Debian's python3-tuspy) uploads in small chunks: one POST, then a
// PATCH per chunk, each starting where the previous one ended.

const CHUNK = 512 * 1024;
// Not a multiple of the chunk size: the last PATCH is a short one.
const SIZE = 5 * 2 ** 20 + 12_345;
const CHUNKS = Math.ceil(SIZE / CHUNK);
const NAME = 'données 2024.csv';

let app: AppServer;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  file = randomFile('data.csv', SIZE);
});
test.afterAll(async () => {
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('tuspy uploads a file in 512 KiB chunks, byte-exact', async () => {
  const result = await runTuspy({ endpoint: app.endpoint, file, chunkSize: CHUNK, metadata: { filename: NAME, filetype: 'text/csv' } });
  expect(result).toMatchObject({ resumed: false, started_at: 0, offset: SIZE, chunks: CHUNKS });
  const id = uploadIdOf(result.url);

  expect(requestsOf(app, { method: 'POST' }).map((e) => e.status)).toEqual([201]);
  const patches = requestsOf(app, { method: 'PATCH', id });
  expect(patches).toHaveLength(CHUNKS);
  // Each PATCH was accepted whole and the next one started where it ended.
  patches.forEach((patch, i) => {
    expect(patch.status).toBe(204);
    expect(patch.requestOffset).toBe(i * CHUNK);
    expect(patch.responseOffset).toBe(Math.min((i + 1) * CHUNK, SIZE));
  });

  expect(await sha256OfDownload(result.url)).toBe(await sha256OfFile(file));
  // tuspy's UTF-8 metadata arrived intact.
  const res = await fetch(result.url, { headers: { Range: 'bytes=0-0' } });
  expect(res.headers.get('content-type')).toBe('text/csv');
  expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(NAME)}`);
  await res.arrayBuffer();
});
