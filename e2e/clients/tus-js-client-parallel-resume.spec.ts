import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { serverForThisFile } from '../support/app-server';
import { storedBytes, uploadIdOf, waitForRequests, waitForStoredBytes } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { FileUrlStorage, stallingHttpStack, uploadToEnd } from '../support/tus-js-client';

// A parallel upload (parallelUploads: 4) is interrupted while its 4 partial
// uploads are each half sent; a second client finds the 4 partial URLs in its
// URL storage and resumes: each part continues from the server's offset (no
// part starts again from 0), then the final joins them byte-exact.

const MiB = 2 ** 20;
const PARTS = 4;
const SIZE = 48 * MiB + 4321;
const PART_SIZES = Array.from({ length: PARTS }, (_, i) => Math.floor(SIZE / PARTS) + (i === PARTS - 1 ? SIZE % PARTS : 0));
/** Where each part's PATCH stalls, in the order the parts send theirs: a different point in each, off any block boundary. */
const STALL_POINTS = [1, 2, 3, 4].map((k) => Math.floor((PART_SIZES[0] * k) / 5) + 7 * k);

const app = serverForThisFile();
let file: string;
let workDir: string;
test.beforeAll(() => {
  file = randomFile('archive.zip', SIZE);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tus-js-parallel-'));
});
test.afterAll(() => {
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

/** tus-js-client's FileUrlStorage, and a promise of the first upload it stores (written after the request that needed it). */
function watchedUrlStorage(name: string): { urlStorage: tus.UrlStorage; stored: Promise<tus.PreviousUpload> } {
  const inner = new FileUrlStorage(path.join(workDir, name));
  let onStored: (upload: tus.PreviousUpload) => void = () => undefined;
  const stored = new Promise<tus.PreviousUpload>((resolve) => (onStored = resolve));
  const urlStorage: tus.UrlStorage = {
    findAllUploads: () => inner.findAllUploads(),
    findUploadsByFingerprint: (fingerprint) => inner.findUploadsByFingerprint(fingerprint),
    removeUpload: (key) => inner.removeUpload(key),
    addUpload: async (fingerprint, upload) => {
      const key = await inner.addUpload(fingerprint, upload);
      onStored(upload);
      return key;
    },
  };
  return { urlStorage, stored };
}

interface StalledUpload {
  client: tus.Upload;
  /** Settles when the client reports an error; it must never report success. */
  outcome: Promise<void>;
  /** Each partial upload's URL and the offset where its PATCH stalls. */
  stalls: Map<string, number>;
  options: tus.UploadOptions;
  /** Where this test's lines start in the event log (the server serves the whole file). */
  logStart: number;
}

/**
 * Starts a parallel upload whose 4 PATCHes stall part way, and returns once
 * the server has stored every part up to its stall point and the client has
 * stored the partial URLs.
 */
async function startStalledUpload(storageName: string): Promise<StalledUpload> {
  const logStart = app.events.all().length;
  const { urlStorage, stored } = watchedUrlStorage(storageName);
  const options: tus.UploadOptions = {
    endpoint: app.endpoint,
    parallelUploads: PARTS,
    metadata: { filename: 'archive.zip', filetype: 'application/zip' },
    // A retry would hide a failed request: every answer must be right first time.
    retryDelays: null,
    urlStorage,
  };
  const stalls = new Map<string, number>();
  let everyPartSending: () => void = () => undefined;
  const everyPartSent = new Promise<void>((resolve) => (everyPartSending = resolve));
  const client = new tus.Upload(fs.createReadStream(file), {
    ...options,
    httpStack: stallingHttpStack((url) => {
      if (!stalls.has(url)) stalls.set(url, STALL_POINTS[stalls.size]);
      if (stalls.size === PARTS) everyPartSending();
      return stalls.get(url)!;
    }),
  });
  const outcome = uploadToEnd(client).then(() => {
    throw new Error('the upload finished although its PATCHes stalled');
  });
  outcome.catch(() => undefined); // awaited by the test that expects it; after an abort it never settles
  await Promise.race([everyPartSent, outcome]);
  const allStalled = Promise.all([...stalls].map(([url, at]) => waitForStoredBytes(app, uploadIdOf(url), at)));
  await Promise.race([allStalled, outcome]);
  const saved = await Promise.race([stored, outcome]);
  expect(saved).toMatchObject({ parallelUploadUrls: expect.arrayContaining([...stalls.keys()]) });
  return { client, outcome, stalls, options, logStart };
}

/**
 * A second client with the same URL storage resumes the stalled upload: it
 * must find the 4 partial URLs, continue each part from the bytes the
 * server holds, and create the final. Checks the requests and the bytes.
 */
async function resumeAndCheck({ stalls, options, logStart }: StalledUpload): Promise<void> {
  // What the server holds of each part before the resume.
  const held = new Map([...stalls.keys()].map((url) => [url, storedBytes(app, uploadIdOf(url))]));
  const before = app.events.all().length;

  const second = new tus.Upload(fs.createReadStream(file), { ...options });
  const previous = await second.findPreviousUploads();
  expect(previous).toHaveLength(1);
  const partialUrls = previous[0].parallelUploadUrls ?? [];
  expect([...partialUrls].sort()).toEqual([...stalls.keys()].sort());
  second.resumeFromPreviousUpload(previous[0]);
  await uploadToEnd(second);
  const finalId = uploadIdOf(second.url!);
  // Every part was complete when the final was created: it was assembled by its POST.
  expect(app.events.all().filter((e) => e.type === 'finished' && e.id === finalId)).toMatchObject([{ size: SIZE }]);

  const resumed = app.events
    .all()
    .slice(before)
    .filter((e) => e.type === 'request');
  partialUrls.forEach((url, i) => {
    const id = uploadIdOf(url);
    const offset = held.get(url)!;
    // Each part had bytes on the server, and the resume went on from exactly there: HEAD, then one PATCH to its end.
    expect(offset, `bytes of part ${i} on the server`).toBeGreaterThan(0);
    expect(
      resumed.filter((e) => e.id === id).map((e) => [e.method, e.status, e.requestOffset, e.responseOffset]),
      `requests of part ${i} after the interruption`,
    ).toEqual([
      ['HEAD', 200, null, offset],
      ['PATCH', 204, offset, PART_SIZES[i]],
    ]);
  });
  // No part was created again: the only upload the resume created is the final.
  expect(resumed.filter((e) => e.method === 'POST').map((e) => [e.status, e.id])).toEqual([[201, finalId]]);
  const posts = app.events
    .all()
    .slice(logStart)
    .filter((e) => e.type === 'request' && e.method === 'POST');
  expect(posts.map((e) => [e.status, e.id]).sort()).toEqual([...partialUrls.map(uploadIdOf), finalId].map((id) => [201, id]).sort());

  expect(await sha256OfDownload(second.url!)).toBe(await sha256OfFile(file));
}

test('a parallel upload aborted mid-PATCH resumes each part from its server offset with the URLs tus-js-client stored', async () => {
  const stalled = await startStalledUpload('aborted.json');
  await stalled.client.abort();
  // The server is done with each cut PATCH (logged) and kept every byte it received.
  for (const [url, at] of stalled.stalls) {
    const id = uploadIdOf(url);
    const cut = await waitForRequests(app, 'PATCH', id, 1);
    expect(cut.requestOffset).toBe(0);
    expect(storedBytes(app, id)).toBe(at);
  }
  await resumeAndCheck(stalled);
});

test('a parallel upload cut by a server crash (SIGKILL) resumes each part from its offset after a restart', async () => {
  const stalled = await startStalledUpload('crashed.json');
  await app.kill();
  // The client reports the failure (no retries), then stays stopped.
  await expect(stalled.outcome).rejects.toThrow(/tus: failed to upload chunk/);
  await stalled.client.abort();
  await app.launch();
  // What the server had received before the crash is on disk.
  for (const [url, at] of stalled.stalls) expect(storedBytes(app, uploadIdOf(url))).toBe(at);
  await resumeAndCheck(stalled);
});
