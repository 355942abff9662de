import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { requestsOf, runTuspy, uploadIdOf } from '../support/clients';
import { clusterForThisFile, type Cluster } from '../support/cluster';
import { randomFile, sha256, sha256OfDownload, sha256OfFile } from '../support/files';
import { createUpload, patch, rawRequest, TUS } from '../support/http';
import { addFiles, fileItem, MiB, openDashboard } from '../dashboard/support/dashboard';
import { expect, test } from '../dashboard/support/fixtures';

// Issue 6, item 4: real clients upload through nginx to two app instances
// that share Ceph RGW (S3) and Redis. nginx is round-robin, so consecutive
// requests of one upload land on different instances: every upload below
// must be byte-exact although its bytes were written by both.

// Small PATCHes from the dashboard: one upload is then many requests, spread over both instances.
const cluster = clusterForThisFile({ env: { UPLOAD_CHUNK_SIZE: '1MiB' } });

/** Which instances answered requests of this upload, by their event logs. */
function instancesThatServed(c: Cluster, id: string): string[] {
  return c.instances.filter((instance) => requestsOf(instance, { id }).length > 0).map((instance) => instance.name);
}

function expectServedByBoth(c: Cluster, id: string): void {
  const served = c.instances.map((instance) => `${instance.name}: ${requestsOf(instance, { id }).map((e) => `${e.method} ${e.status}`)}`);
  expect(instancesThatServed(c, id), `requests of ${id} per instance\n${served.join('\n')}`).toEqual(['app1', 'app2']);
}

test('tus-js-client uploads through nginx in 1 MiB PATCHes, both instances write, byte-exact', async () => {
  const file = randomFile('clip.bin', 7 * MiB + 321);
  try {
    const upload = await new Promise<tus.Upload>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(fs.createReadStream(file), {
        endpoint: cluster.endpoint,
        chunkSize: MiB,
        metadata: { filename: 'clip.bin', filetype: 'application/octet-stream' },
        // A retry would hide a failed request: every answer must be right first time.
        retryDelays: null,
        onSuccess: () => resolve(upload),
        onError: reject,
      });
      upload.start();
    });
    // Upload URLs point at nginx, not at the instance that created the upload.
    expect(upload.url).toMatch(new RegExp(`^${cluster.endpoint}/[0-9a-f]{32}$`));
    const id = uploadIdOf(upload.url!);
    expectServedByBoth(cluster, id);
    const patches = cluster.instances.flatMap((instance) => requestsOf(instance, { method: 'PATCH', id }));
    expect(patches).toHaveLength(8);
    for (const request of patches) expect(request.status).toBe(204);
    expect(await sha256OfDownload(upload.url!)).toBe(await sha256OfFile(file));
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

test('tuspy uploads through nginx in 512 KiB chunks, both instances write, byte-exact', async () => {
  const size = 3 * MiB + 77;
  const file = randomFile('data.csv', size);
  try {
    const result = await runTuspy({ endpoint: cluster.endpoint, file, chunkSize: 512 * 1024, metadata: { filename: 'data.csv' } });
    expect(result).toMatchObject({ resumed: false, offset: size, chunks: 7 });
    expect(result.url.startsWith(`${cluster.endpoint}/`), result.url).toBe(true);
    const id = uploadIdOf(result.url);
    expectServedByBoth(cluster, id);
    expect(await sha256OfDownload(result.url)).toBe(await sha256OfFile(file));
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

test('the dashboard in Chromium uploads through nginx, both instances write, listed and byte-exact', async ({ page, sources, traffic }) => {
  const file = sources.random('report.pdf', 6 * MiB + 5);
  await openDashboard(page, cluster);
  await addFiles(page, [file]);
  await expect(fileItem(page, 'report.pdf')).toHaveClass(/\bis-complete\b/, { timeout: 90_000 });

  const posts = traffic.posts();
  expect(posts, traffic.describe()).toHaveLength(1);
  const id = posts[0].createdId!;
  // 1 MiB PATCHes (UPLOAD_CHUNK_SIZE): the creation and seven PATCHes, spread by nginx.
  expect(traffic.all().filter((e) => e.method === 'PATCH' && e.uploadId === id).length, traffic.describe()).toBe(7);
  expectServedByBoth(cluster, id);

  await page.goto(`${cluster.baseUrl}/uploads`);
  const row = page.getByTestId('uploads-table').locator(`tbody tr[data-upload-id="${id}"]`);
  await expect(row.locator('td.name')).toHaveText('report.pdf');
  const href = await row.getByRole('link').getAttribute('href');
  expect(await sha256OfDownload(new URL(href!, cluster.baseUrl).href)).toBe(await sha256OfFile(file));
});

test('a length deferred at creation on one instance is declared and completed on the other', async () => {
  const [a, b] = cluster.instances;
  const data = randomBytes(6 * MiB + 99);
  const created = await rawRequest(a.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
  expect(created.status, created.text).toBe(201);
  const url = new URL(created.headers.location!, a.endpoint).href;
  const id = uploadIdOf(url);
  const onA = `${a.endpoint}/${id}`;
  const onB = `${b.endpoint}/${id}`;

  // Bytes without a length on A; the length on B, with more bytes; the rest on A.
  const first = await patch(onA, 0, data.subarray(0, 2 * MiB));
  expect(first.status, first.text).toBe(204);
  const declared = await patch(onB, 2 * MiB, data.subarray(2 * MiB, 5 * MiB), { 'Upload-Length': String(data.length) });
  expect(declared.status, declared.text).toBe(204);
  for (const instance of [onA, onB]) {
    const head = await rawRequest(instance, { method: 'HEAD', headers: TUS });
    expect(head.headers['upload-length'], `HEAD on ${instance}`).toBe(String(data.length));
    expect(head.headers['upload-defer-length'], `HEAD on ${instance}`).toBeUndefined();
    expect(head.headers['upload-offset']).toBe(String(5 * MiB));
  }
  const last = await patch(onA, 5 * MiB, data.subarray(5 * MiB));
  expect(last.status, last.text).toBe(204);
  expect(last.headers['upload-offset']).toBe(String(data.length));

  // Complete on both instances, and the same bytes through nginx.
  for (const instance of [onA, onB]) {
    const head = await rawRequest(instance, { method: 'HEAD', headers: TUS });
    expect(head.headers['upload-offset'], `HEAD on ${instance}`).toBe(String(data.length));
  }
  expect(await sha256OfDownload(`${cluster.endpoint}/${id}`)).toBe(sha256(data));
});

for (const state of ['unfinished', 'completed'] as const) {
  test(`DELETE of ${state === 'unfinished' ? 'an unfinished' : 'a completed'} upload on one instance is seen by the other`, async () => {
    const [a, b] = cluster.instances;
    const size = 3 * MiB;
    const id = uploadIdOf(await createUpload(a.endpoint, size));
    const onA = `${a.endpoint}/${id}`;
    const onB = `${b.endpoint}/${id}`;
    const sent = state === 'completed' ? size : MiB;
    expect((await patch(onA, 0, randomBytes(sent))).status).toBe(204);
    // B knows the upload before the DELETE (so what it answers after is not a cache miss).
    const before = await rawRequest(onB, { method: 'HEAD', headers: TUS });
    expect(before.status).toBe(200);
    expect(before.headers['upload-offset']).toBe(String(sent));

    const deleted = await rawRequest(onA, { method: 'DELETE', headers: TUS });
    expect(deleted.status, deleted.text).toBe(204);

    const head = await rawRequest(onB, { method: 'HEAD', headers: TUS });
    expect([404, 410], `HEAD on the other instance: ${head.status}`).toContain(head.status);
    const resumed = await patch(onB, sent, randomBytes(1));
    expect([404, 410], `PATCH on the other instance: ${resumed.status} ${resumed.text}`).toContain(resumed.status);
    const download = await rawRequest(onB, { method: 'GET' });
    expect([404, 410], `GET on the other instance: ${download.status}`).toContain(download.status);
    const listed = (await (await fetch(`${b.baseUrl}/api/uploads`)).json()) as { uploads: { id: string }[] };
    expect(listed.uploads.map((upload) => upload.id)).not.toContain(id);
  });
}
