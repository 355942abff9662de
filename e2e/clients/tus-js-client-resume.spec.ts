import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from '../support/app-server';
import { requestsOf, storedBytes, waitForRequests, waitForStoredBytes } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { FileUrlStorage, stallingHttpStack, uploadToEnd } from '../support/tus-js-client';

// tus-js-client is stopped half way through an upload and a second client,
// which finds the upload URL in its URL storage (as an app restarted after a
// crash would), finishes it: no second upload, no byte sent twice or lost.

const SIZE = 32 * 2 ** 20 + 4321;
/** Where the first client's network stalls: half way, off any block boundary. */
const STALL_AT = Math.floor(SIZE / 2) + 777;

let app: AppServer;
let workDir: string;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  file = randomFile('backup.tar', SIZE);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tus-js-resume-'));
});
test.afterAll(async () => {
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('an upload aborted half way resumes from the server offset with the URL tus-js-client stored', async () => {
  const urlStorage = new FileUrlStorage(path.join(workDir, 'tus-urls.json'));
  const options = {
    endpoint: app.endpoint,
    metadata: { filename: 'backup.tar', filetype: 'application/x-tar' },
    // A retry would hide a failed request: every answer must be right first time.
    retryDelays: null,
    urlStorage,
  };

  // First client: one PATCH for the whole file, whose body stalls half way.
  let firstUpload: tus.Upload | undefined;
  const failure = new Promise<never>((_resolve, reject) => {
    const first = new tus.Upload(fs.createReadStream(file), {
      ...options,
      httpStack: stallingHttpStack(() => STALL_AT),
      onSuccess: () => reject(new Error('the upload finished although its body stalled')),
      onError: reject,
    });
    firstUpload = first;
    first.start();
  });
  failure.catch(() => undefined); // after an abort the client reports nothing more
  // The server has stored everything sent so far: abort the client there, mid-PATCH.
  const created = await Promise.race([app.events.waitFor((e) => e.type === 'created', 60_000, 'the upload created'), failure]);
  const id = created.id!;
  await Promise.race([waitForStoredBytes(app, id, STALL_AT), failure]);
  await firstUpload!.abort();
  expect(firstUpload!.url).toBe(`${app.endpoint}/${id}`);

  // Wait for the server to be done with the cut PATCH instead of asking it
  // with HEAD (which would take the upload's lock): its bytes are then on disk.
  const cut = await waitForRequests(app, 'PATCH', id, 1);
  expect(cut.status).toBeGreaterThanOrEqual(400);
  expect(storedBytes(app, id)).toBe(STALL_AT);
  const before = app.events.all().length;

  // Second client: no uploadUrl given, it must find the first one's URL in its storage.
  const second = new tus.Upload(fs.createReadStream(file), { ...options });
  const previous = await second.findPreviousUploads();
  expect(previous.map((upload) => upload.uploadUrl)).toEqual([firstUpload!.url]);
  second.resumeFromPreviousUpload(previous[0]);
  let firstProgress: number | null = null;
  second.options.onProgress = (sent) => (firstProgress ??= sent);
  await uploadToEnd(second);
  expect(second.url).toBe(firstUpload!.url);

  // Exactly one upload was ever created.
  expect(requestsOf(app, { method: 'POST' })).toHaveLength(1);
  // The resume asked for the offset (HEAD), then sent the rest in one PATCH from exactly there.
  // (The log line of a request may land just after its response reached the client.)
  await app.events.waitFor(
    (e) => e.type === 'request' && e.method === 'PATCH' && e.id === id && e.status === 204,
    10_000,
    'the resumed PATCH',
  );
  const resumed = app.events
    .all()
    .slice(before)
    .filter((e) => e.type === 'request' && e.id === id);
  expect(resumed.map((e) => [e.method, e.status, e.requestOffset, e.responseOffset])).toEqual([
    ['HEAD', 200, null, STALL_AT],
    ['PATCH', 204, STALL_AT, SIZE],
  ]);
  // Its progress started from the server's offset, not from zero.
  expect(firstProgress).toBeGreaterThanOrEqual(STALL_AT);

  expect(await sha256OfDownload(firstUpload!.url!)).toBe(await sha256OfFile(file));
});
