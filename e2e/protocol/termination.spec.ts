import fs from 'node:fs';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { dataFileOf, infoFileOf, uploadState } from '../support/disk';
import { createUpload, head, patch, rawRequest, TUS, uploadWhole } from '../support/http';
import { expect, test } from './server-fixture';

// Termination. DELETE of a partial upload that a pending final
// upload needs is in concatenation.spec.ts.

const idOf = (url: string) => url.split('/').pop() ?? '';

test('X-01 DELETE on an unfinished upload is 204, removes data and info, and the URL is gone', async ({ app }) => {
  const url = await createUpload(app.endpoint, 10);
  await patch(url, 0, 'hello');
  const res = await rawRequest(url, { method: 'DELETE', headers: TUS });
  expect(res.status).toBe(204);
  expect(res.headers['tus-resumable']).toBe('1.0.0');
  expect(fs.existsSync(path.join(app.uploadDir, idOf(url)))).toBe(false);
  expect(fs.existsSync(path.join(app.uploadDir, `${idOf(url)}.json`))).toBe(false);
  expect((await rawRequest(url, { method: 'HEAD', headers: TUS })).status).toBe(404);
  expect((await patch(url, 5, 'world')).status).toBe(404);
  await app.events.waitFor((e) => e.type === 'terminated' && e.id === idOf(url), 10_000, 'terminated event');
});

test('X-01 DELETE on a finished upload removes it from downloads too', async ({ app }) => {
  const url = await createUpload(app.endpoint, 5);
  await patch(url, 0, 'hello');
  expect((await rawRequest(url, { method: 'DELETE', headers: TUS })).status).toBe(204);
  expect((await rawRequest(url, { method: 'GET' })).status).toBe(404);
});

test('X-02 DELETE on an unknown upload is 404', async ({ app }) => {
  const res = await rawRequest(`${app.endpoint}/0123456789abcdef0123456789abcdef`, { method: 'DELETE', headers: TUS });
  expect(res.status).toBe(404);
});

test('X-04 DELETE while a PATCH is running stops the PATCH and deletes the upload', async ({ app }) => {
  const size = 64 * 1024 * 1024;
  const url = await createUpload(app.endpoint, size);
  const id = idOf(url);
  // A PATCH whose body trickles in, so it is still running when DELETE comes.
  const http = await import('node:http');
  const req = http.request(url, {
    method: 'PATCH',
    agent: false,
    headers: { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': size },
  });
  const patchDone = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(-1));
  });
  req.write(Buffer.alloc(1024 * 1024, 1));
  await app.events.waitFor((e) => e.type === 'progress' && e.id === id, 30_000, 'the PATCH to start storing');
  const del = await rawRequest(url, { method: 'DELETE', headers: TUS });
  expect(del.status).toBe(204);
  req.destroy();
  await patchDone;
  expect(fs.existsSync(path.join(app.uploadDir, id))).toBe(false);
  expect((await rawRequest(url, { method: 'HEAD', headers: TUS })).status).toBe(404);
});

test.describe('with UPLOAD_DELETE_FINISHED=deny', () => {
  const strict = serverForThisFile({ env: { UPLOAD_DELETE_FINISHED: 'deny' } });

  const completions = {
    'in its creation request': () => uploadWhole(strict.endpoint, Buffer.from('hello')),
    'by a PATCH': async () => {
      const url = await createUpload(strict.endpoint, 5);
      expect((await patch(url, 0, 'hel')).status).toBe(204);
      expect((await patch(url, 3, 'lo')).status).toBe(204);
      return url;
    },
  };
  for (const [how, complete] of Object.entries(completions)) {
    test(`X-05 DELETE on an upload completed ${how} is 403 and deletes nothing`, async () => {
      const url = await complete();
      const before = await uploadState(strict, url);
      const res = await rawRequest(url, { method: 'DELETE', headers: TUS });
      expect(res.status).toBe(403);
      expect(res.headers['tus-resumable']).toBe('1.0.0');
      expect(await uploadState(strict, url)).toEqual(before);
      expect(fs.existsSync(infoFileOf(strict, url))).toBe(true);
      expect((await rawRequest(url, { method: 'GET' })).text).toBe('hello');
      const id = uploadIdOf(url);
      expect(strict.events.all().filter((e) => e.type === 'terminated' && e.id === id)).toEqual([]);
    });
  }

  test('X-05 DELETE on an incomplete upload is still 204 and removes it', async () => {
    const url = await createUpload(strict.endpoint, 5);
    expect((await patch(url, 0, 'hel')).status).toBe(204);
    expect((await rawRequest(url, { method: 'DELETE', headers: TUS })).status).toBe(204);
    expect(fs.existsSync(dataFileOf(strict, url))).toBe(false);
    expect(fs.existsSync(infoFileOf(strict, url))).toBe(false);
    expect((await head(url)).status).toBe(404);
  });
});
