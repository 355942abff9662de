import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { requestsOf, runTuspy, storedBytes, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';

// A tuspy process sends a few chunks and stops; a second process finds the
// upload URL in tuspy's FileStorage, asks the server where to go on (HEAD)
// and finishes the same upload. No metadata on purpose: tuspy then sends an
// empty Upload-Metadata header, which the server must accept.

const CHUNK = 256 * 1024;
const SIZE = 3 * 2 ** 20 + 999;
const FIRST_CHUNKS = 5;

let app: AppServer;
let file: string;
let workDir: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  file = randomFile('notes.bin', SIZE);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuspy-resume-'));
});
test.afterAll(async () => {
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('tuspy resumes an interrupted upload from the server offset with its stored URL', async () => {
  const storage = path.join(workDir, 'tuspy-urls.json');
  const first = await runTuspy({ endpoint: app.endpoint, file, chunkSize: CHUNK, chunks: FIRST_CHUNKS, storage });
  expect(first).toMatchObject({ resumed: false, started_at: 0, offset: FIRST_CHUNKS * CHUNK, chunks: FIRST_CHUNKS });
  const id = uploadIdOf(first.url);
  // The process has exited, so its PATCHes are done: the disk holds what it sent.
  expect(storedBytes(app, id)).toBe(FIRST_CHUNKS * CHUNK);
  const before = app.events.all().length;

  const second = await runTuspy({ endpoint: app.endpoint, file, chunkSize: CHUNK, storage });
  expect(second.url).toBe(first.url);
  expect(second).toMatchObject({ resumed: true, started_at: FIRST_CHUNKS * CHUNK, offset: SIZE });
  expect(second.chunks).toBe(Math.ceil(SIZE / CHUNK) - FIRST_CHUNKS);

  // One upload created in all; the second run asked the offset, then sent from there.
  expect(requestsOf(app, { method: 'POST' })).toHaveLength(1);
  const resumed = app.events
    .all()
    .slice(before)
    .filter((e) => e.type === 'request' && e.id === id);
  expect(resumed[0]).toMatchObject({ method: 'HEAD', status: 200, responseOffset: FIRST_CHUNKS * CHUNK });
  expect(resumed[1]).toMatchObject({ method: 'PATCH', status: 204, requestOffset: FIRST_CHUNKS * CHUNK });
  expect(resumed.slice(1).every((e) => e.method === 'PATCH' && e.status === 204)).toBe(true);
  expect(resumed.at(-1)?.responseOffset).toBe(SIZE);

  expect(await sha256OfDownload(first.url)).toBe(await sha256OfFile(file));
});
