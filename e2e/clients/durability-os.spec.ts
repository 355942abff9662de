import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from '../support/app-server';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { head } from '../support/http';

// UPLOAD_DURABILITY=os acknowledges bytes once they are in the operating system's cache, not on the disk. A crash of the
// server process (SIGKILL) must still lose nothing it acknowledged: the cache outlives the process.

const SIZE = 24 * 2 ** 20 + 77;
const CHUNK = 2 ** 20;

let app: AppServer;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start({ env: { UPLOAD_DURABILITY: 'os' } });
  file = randomFile('os-durability.bin', SIZE);
});
test.afterAll(async () => {
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('with UPLOAD_DURABILITY=os, a SIGKILL mid-upload loses no acknowledged byte, and the upload resumes byte-exact', async () => {
  let acknowledged = 0;
  let url = '';
  let killed = false;
  let ackedAtKill = 0;
  let crash: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    const upload = new tus.Upload(fs.createReadStream(file), {
      endpoint: app.endpoint,
      chunkSize: CHUNK,
      // Long enough to span the restart.
      retryDelays: Array.from({ length: 60 }, () => 250),
      metadata: { filename: 'os-durability.bin' },
      onUploadUrlAvailable: () => {
        url = upload.url ?? '';
      },
      onChunkComplete: (_size, accepted) => {
        acknowledged = accepted;
        if (!killed && accepted >= 8 * CHUNK) {
          killed = true;
          ackedAtKill = accepted;
          crash = (async () => {
            await app.kill();
            await app.launch();
          })();
          crash.catch(reject);
        }
      },
      onSuccess: () => resolve(),
      onError: reject,
    });
    upload.start();
  });
  await crash;
  expect(killed).toBe(true);
  expect(acknowledged).toBe(SIZE);
  // Every byte acknowledged before the crash was still there after it: the resume started at or past that offset.
  const resumedFrom = app.events
    .all()
    .filter((e) => e.type === 'request' && e.method === 'HEAD' && e.status === 200)
    .map((e) => e.responseOffset ?? 0);
  expect(resumedFrom.length).toBeGreaterThanOrEqual(1);
  expect(Math.min(...resumedFrom)).toBeGreaterThanOrEqual(ackedAtKill);
  expect((await head(url)).headers['upload-offset']).toBe(String(SIZE));
  expect(await sha256OfDownload(url)).toBe(await sha256OfFile(file));
});
