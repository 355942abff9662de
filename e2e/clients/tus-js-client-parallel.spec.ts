import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import type { CompletedUpload } from '../../tus/catalog';
import { serverForThisFile } from '../support/app-server';
import { requestsOf, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { rawRequest, TUS } from '../support/http';
import { uploadToEnd } from '../support/tus-js-client';

// tus-js-client's parallelUploads: the file is cut into 4 parts, each sent
// as a partial upload (Upload-Concat: partial) at the same time, then one
// final upload (Upload-Concat: final;<urls>) joins them. The server must
// store the parts, assemble the final byte-exact, and list only the final.

const MiB = 2 ** 20;
const PARTS = 4;
// 3 bytes over 200 MiB: tus-js-client gives the remainder to the last part, so the parts differ in size.
const SIZE = 200 * MiB + 3;
/** The parts tus-js-client cuts (its splitSizeIntoParts): equal parts, the last one takes the rest. */
const PART_SIZES = Array.from({ length: PARTS }, (_, i) => Math.floor(SIZE / PARTS) + (i === PARTS - 1 ? SIZE % PARTS : 0));
const NAME = 'survey 2024.mp4';

const app = serverForThisFile();
let file: string;
test.beforeAll(() => {
  file = randomFile('survey.mp4', SIZE);
});
test.afterAll(() => {
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('tus-js-client with parallelUploads: 4 sends 200 MiB as 4 partial uploads and a final one, byte-exact', async () => {
  test.setTimeout(240_000);
  // What the client itself sent as Upload-Concat, POST by POST.
  const concatHeaders: string[] = [];
  const upload = new tus.Upload(fs.createReadStream(file), {
    endpoint: app.endpoint,
    parallelUploads: PARTS,
    metadata: { filename: NAME, filetype: 'video/mp4' },
    // A retry would hide a failed request: every answer must be right first time.
    retryDelays: null,
    onBeforeRequest: (req) => {
      if (req.getMethod() === 'POST') concatHeaders.push(req.getHeader('Upload-Concat') ?? '(none)');
    },
  });
  const started = performance.now();
  await uploadToEnd(upload);
  const seconds = (performance.now() - started) / 1000;
  test.info().annotations.push({ type: 'timing', description: `200 MiB in ${PARTS} parallel parts: ${seconds.toFixed(1)} s` });
  console.log(`[timing] 200 MiB with parallelUploads: ${PARTS} took ${seconds.toFixed(1)} s`);

  // The client created 4 partial uploads, then one final naming them.
  expect(concatHeaders.slice(0, PARTS)).toEqual(Array(PARTS).fill('partial'));
  expect(concatHeaders).toHaveLength(PARTS + 1);
  const sentFinal = concatHeaders[PARTS];
  expect(sentFinal).toMatch(/^final;/);
  const partialUrls = sentFinal.slice('final;'.length).split(' ');
  expect(partialUrls).toHaveLength(PARTS);
  const partialIds = partialUrls.map(uploadIdOf);

  // The server saw the same: 5 uploads created, the final last, after every part was complete.
  expect(upload.url).toMatch(new RegExp(`^${app.endpoint}/[^/]+$`));
  const finalId = uploadIdOf(upload.url!);
  const posts = requestsOf(app, { method: 'POST' });
  expect(posts.map((e) => e.status)).toEqual(Array(PARTS + 1).fill(201));
  expect(posts.slice(0, PARTS).map((e) => e.id)).toEqual(expect.arrayContaining(partialIds));
  expect(posts[PARTS].id).toBe(finalId);
  const events = app.events.all();
  const finalCreated = events.indexOf(posts[PARTS]);
  partialIds.forEach((id, i) => {
    // Each part went in one PATCH, from 0 to its end, accepted.
    const patches = requestsOf(app, { method: 'PATCH', id });
    expect(
      patches.map((e) => [e.status, e.requestOffset, e.responseOffset]),
      `PATCHes of part ${i}`,
    ).toEqual([[204, 0, PART_SIZES[i]]]);
    expect(events.indexOf(patches[0])).toBeLessThan(finalCreated);
    expect(events.some((e) => e.type === 'finished' && e.id === id && e.size === PART_SIZES[i])).toBe(true);
  });
  expect(requestsOf(app, { method: 'PATCH', id: finalId })).toEqual([]);
  // Every part was complete when the final was created: it was assembled by its POST.
  expect(events.filter((e) => e.type === 'finished' && e.id === finalId)).toMatchObject([{ size: SIZE }]);

  // HEAD: each part is a complete partial upload; the final echoes what the client sent and is complete.
  for (const [i, url] of partialUrls.entries()) {
    const head = await rawRequest(url, { method: 'HEAD', headers: { ...TUS } });
    expect(head.status).toBe(200);
    expect(head.headers['upload-concat'], `part ${i}`).toBe('partial');
    expect(head.headers['upload-length']).toBe(String(PART_SIZES[i]));
    expect(head.headers['upload-offset']).toBe(String(PART_SIZES[i]));
  }
  const finalHead = await rawRequest(upload.url!, { method: 'HEAD', headers: { ...TUS } });
  expect(finalHead.status).toBe(200);
  expect(finalHead.headers['upload-concat']).toBe(sentFinal);
  expect(finalHead.headers['upload-length']).toBe(String(SIZE));
  expect(finalHead.headers['upload-offset']).toBe(String(SIZE));

  // The final's download is the file, under the final's own metadata.
  expect(await sha256OfDownload(upload.url!)).toBe(await sha256OfFile(file));
  const res = await fetch(upload.url!, { headers: { Range: 'bytes=0-0' } });
  expect(res.status).toBe(206);
  expect(res.headers.get('content-range')).toBe(`bytes 0-0/${SIZE}`);
  expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(NAME)}`);
  await res.arrayBuffer();
  // A range across the boundary of two parts reads on from one into the next.
  const boundary = PART_SIZES[0];
  const across = await fetch(upload.url!, { headers: { Range: `bytes=${boundary - 5}-${boundary + 4}` } });
  expect(across.status).toBe(206);
  const expected = Buffer.alloc(10);
  const source = fs.openSync(file, 'r');
  fs.readSync(source, expected, 0, 10, boundary - 5);
  fs.closeSync(source);
  expect(Buffer.from(await across.arrayBuffer()).equals(expected)).toBe(true);

  // The final links its parts' bytes rather than copying them: the file takes its size on the disk once.
  expect(diskUsage(app.uploadDir)).toBeLessThan(SIZE + MiB);

  // Only the final is a completed upload for the people using the app: the parts are not listed.
  const list = await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET' });
  expect(list.status).toBe(200);
  const listed = (JSON.parse(list.text) as { uploads: CompletedUpload[] }).uploads;
  expect(listed.map(({ id, name, size }) => ({ id, name, size }))).toEqual([{ id: finalId, name: NAME, size: SIZE }]);
});

/** Bytes the folder's files take on the disk, each file counted once however many names it has. */
function diskUsage(folder: string): number {
  const inodes = new Map<number, number>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else {
        const stats = fs.statSync(file);
        inodes.set(stats.ino, stats.blocks * 512);
      }
    }
  };
  walk(folder);
  return [...inodes.values()].reduce((sum, bytes) => sum + bytes, 0);
}
