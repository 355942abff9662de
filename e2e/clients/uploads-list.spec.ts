import { expect, test } from '@playwright/test';
import type { CompletedUpload } from '../../tus/catalog';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { createUpload, encodeMetadata, patch, rawRequest, TUS } from '../support/http';

// `/api/uploads` lists the completed uploads, newest completion first; a tus
// DELETE takes an upload off the list and its download away.

type ListedUpload = CompletedUpload;

const app = serverForThisFile();

async function listUploads(): Promise<ListedUpload[]> {
  const res = await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET' });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain('application/json');
  return (JSON.parse(res.text) as { uploads: ListedUpload[] }).uploads;
}

/**
 * File times on this kernel advance in ticks of a few milliseconds, so two
 * uploads completed within one tick have the same completion time. Waiting
 * for the clock to pass the last completion by two ticks (20 ms at most)
 * gives each upload a time of its own; it waits on the observed time, not a
 * fixed delay.
 */
async function clockPast(isoTime: string): Promise<void> {
  const wait = Date.parse(isoTime) + 20 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

test('completed uploads are listed newest first with name, size and safe type; DELETE removes one', async () => {
  // Created in the order a, b, c, then completed in the order b, c, a:
  // the list follows completion, not creation (nor the ids).
  const files = {
    a: { data: Buffer.from('alpha alpha'), metadata: { filename: 'a.html', filetype: 'text/html' } },
    b: { data: Buffer.from('bravo'), metadata: { filename: 'b.png', filetype: 'image/png' } },
    c: { data: Buffer.from('charlie charlie charlie'), metadata: { filename: 'C – ünïcode.txt', filetype: 'text/plain' } },
  };
  const urls: Record<string, string> = {};
  for (const [key, { data, metadata }] of Object.entries(files)) {
    urls[key] = await createUpload(app.endpoint, data.length, { 'Upload-Metadata': encodeMetadata(metadata) });
  }
  // Never finished: must not be listed.
  const unfinished = await createUpload(app.endpoint, 100, { 'Upload-Metadata': encodeMetadata({ filename: 'partial.bin' }) });
  expect((await patch(unfinished, 0, Buffer.alloc(60))).status).toBe(204);
  expect(await listUploads()).toEqual([]);

  for (const key of ['b', 'c', 'a'] as const) {
    const res = await patch(urls[key], 0, files[key].data);
    expect(res.status).toBe(204);
    const listed = (await listUploads()).find((upload) => upload.id === uploadIdOf(urls[key]));
    expect(listed, `${key} is listed once complete`).toBeDefined();
    await clockPast(listed!.completedAt);
  }

  const listed = await listUploads();
  expect(listed.map((upload) => upload.id)).toEqual(['a', 'c', 'b'].map((key) => uploadIdOf(urls[key])));
  expect(listed.map(({ name, size, type }) => ({ name, size, type }))).toEqual([
    // An HTML file is listed as what it will be served as.
    { name: 'a.html', size: files.a.data.length, type: 'application/octet-stream' },
    { name: 'C – ünïcode.txt', size: files.c.data.length, type: 'text/plain' },
    { name: 'b.png', size: files.b.data.length, type: 'image/png' },
  ]);
  const times = listed.map((upload) => Date.parse(upload.completedAt));
  expect(times[0]).toBeGreaterThan(times[1]);
  expect(times[1]).toBeGreaterThan(times[2]);
  // Each entry's url is its download.
  for (const upload of listed) {
    const res = await rawRequest(new URL(upload.url, app.baseUrl).href, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(upload.size);
  }

  // A tus DELETE of c: gone from the list, its download and its tus URL answer 404.
  const c = uploadIdOf(urls.c);
  const deleted = await rawRequest(urls.c, { method: 'DELETE', headers: { ...TUS } });
  expect(deleted.status).toBe(204);
  await app.events.waitFor((e) => e.type === 'terminated' && e.id === c, 10_000, 'terminated event');
  expect((await listUploads()).map((upload) => upload.id)).toEqual([uploadIdOf(urls.a), uploadIdOf(urls.b)]);
  expect((await rawRequest(urls.c, { method: 'GET' })).status).toBe(404);
  expect((await rawRequest(urls.c, { method: 'HEAD', headers: { ...TUS } })).status).toBe(404);
  expect((await rawRequest(urls.c, { method: 'DELETE', headers: { ...TUS } })).status).toBe(404);
});
