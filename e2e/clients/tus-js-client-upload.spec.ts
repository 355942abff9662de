import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from '../support/app-server';
import { requestsOf, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';

// tus-js-client (its Node build, as a Node backend or CLI would use it)
// uploads a whole file in one go; the stored bytes must be the file's.

const SIZE = 40 * 2 ** 20 + 123;

let app: AppServer;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  file = randomFile('clip.mp4', SIZE);
});
test.afterAll(async () => {
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('tus-js-client uploads a 40 MiB file with its metadata, byte-exact', async () => {
  const upload = await new Promise<tus.Upload>((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(fs.createReadStream(file), {
      endpoint: app.endpoint,
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
      // A retry would hide a failed request: every answer must be right first time.
      retryDelays: null,
      onSuccess: () => resolve(upload),
      onError: reject,
    });
    upload.start();
  });

  expect(upload.url).toMatch(new RegExp(`^${app.endpoint}/[^/]+$`));
  const id = uploadIdOf(upload.url!);
  // One creation, and every request of the upload answered with success.
  expect(requestsOf(app, { method: 'POST' })).toHaveLength(1);
  for (const request of requestsOf(app, { id })) expect(request.status, `${request.method} answered`).toBeLessThan(300);
  const finished = await app.events.waitFor((e) => e.type === 'finished' && e.id === id, 30_000, 'finished event');
  expect(finished.size).toBe(SIZE);

  // The bytes, and the metadata as the download presents it.
  expect(await sha256OfDownload(upload.url!)).toBe(await sha256OfFile(file));
  const res = await fetch(upload.url!, { headers: { Range: 'bytes=0-0' } });
  expect(res.status).toBe(206);
  expect(res.headers.get('content-type')).toBe('video/mp4');
  expect(res.headers.get('content-disposition')).toContain(`filename="clip.mp4"`);
  await res.arrayBuffer();
});
