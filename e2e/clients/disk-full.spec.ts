import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from '../support/app-server';
import { requestsOf, uploadIdOf } from '../support/clients';
import { sha256 } from '../support/files';
import { createUpload, head, patch, rawRequest, TUS, uploadWhole } from '../support/http';
import { uploadToEnd } from '../support/tus-js-client';

// Disk full, on a real filesystem that really answers ENOSPC: a 16 MiB
// tmpfs mounted for this file (the tests run as root, locally and on CI).
// Nothing is mocked: the server writes until the kernel refuses.

const MiB = 2 ** 20;
const FS_SIZE = '16m';
const LEFT_FREE = 6 * MiB;
const UPLOAD_SIZE = 10 * MiB;

let mountPoint: string | null = null;
let mounted = false;
let app: AppServer | undefined;
let uploadDir: string;
let filler: string;

test.beforeAll(async () => {
  mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${FS_SIZE}`, 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    // Never a silent skip: without a small filesystem this guarantee is unproven.
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `cannot mount a ${FS_SIZE} tmpfs at ${mountPoint} for the disk-full test (run the tests as root, or with CAP_SYS_ADMIN): ${stderr ?? String(error)}`,
    );
  }
  mounted = true;
  uploadDir = path.join(mountPoint, 'uploads');
  filler = path.join(mountPoint, 'filler');
  app = await AppServer.start({ env: { UPLOAD_DIR: uploadDir } });
});

test.afterAll(async () => {
  try {
    await app?.dispose();
  } finally {
    // Unmounted whatever happened above, so a failing run leaves no mount behind.
    if (mounted) execFileSync('umount', ['--lazy', mountPoint!], { stdio: 'pipe' });
    if (mountPoint !== null) fs.rmdirSync(mountPoint);
  }
});

function freeBytes(): number {
  const stats = fs.statfsSync(mountPoint!);
  return stats.bavail * stats.bsize;
}

/** Takes all the free space but `leave` bytes, with a file of the test's own beside the uploads. */
function fillDisk(leave: number): void {
  const size = freeBytes() - leave;
  const fd = fs.openSync(filler, 'w');
  try {
    const block = Buffer.alloc(MiB);
    for (let written = 0; written < size; written += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, size - written));
  } finally {
    fs.closeSync(fd);
  }
}

function onDisk(url: string): Buffer {
  return fs.readFileSync(path.join(uploadDir, uploadIdOf(url)));
}

test('a PATCH that fills the disk gets a retriable 507 ERR_STORAGE_FULL; the upload stays consistent and completes byte-exact once space is freed', async () => {
  const server = app!;
  const source = randomBytes(UPLOAD_SIZE);
  fillDisk(LEFT_FREE);
  expect(freeBytes()).toBeLessThan(UPLOAD_SIZE);

  // 1. The PATCH runs out of space in the middle of its body.
  const url = await createUpload(server.endpoint, UPLOAD_SIZE, {
    'Upload-Metadata': `filename ${Buffer.from('big.bin').toString('base64')}`,
  });
  const full = await patch(url, 0, source);
  expect(full.status, full.text).toBe(507);
  expect(full.text).toMatch(/^ERR_STORAGE_FULL: /);
  expect(full.headers['tus-resumable']).toBe('1.0.0');
  expect(freeBytes()).toBeLessThan(64 * 1024);

  // 2. Consistent: the offset the server reports is exactly the bytes on disk, and they are the right ones.
  const stored = onDisk(url);
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.length).toBeLessThan(UPLOAD_SIZE);
  const afterFailure = await head(url);
  expect(afterFailure.status).toBe(200);
  expect(afterFailure.headers['upload-offset']).toBe(String(stored.length));
  expect(stored.equals(source.subarray(0, stored.length))).toBe(true);

  // 3. While the disk is full, a new upload (created empty, or with its first bytes) is refused just as
  //    clearly and leaves nothing behind; the pages keep answering.
  const before = fs.readdirSync(uploadDir).sort();
  const refusedEmpty = await rawRequest(server.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 4096 } });
  expect(refusedEmpty.status, refusedEmpty.text).toBe(507);
  expect(refusedEmpty.text).toMatch(/^ERR_STORAGE_FULL: /);
  const refused = await rawRequest(server.endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': 4096, 'Content-Type': 'application/offset+octet-stream' },
    body: randomBytes(4096),
  });
  expect(refused.status, refused.text).toBe(507);
  expect(refused.text).toMatch(/^ERR_STORAGE_FULL: /);
  expect(fs.readdirSync(uploadDir).sort()).toEqual(before);
  // A checksummed chunk is staged before it is appended: staging on a full disk changes nothing either.
  const next = source.subarray(stored.length, stored.length + MiB);
  const checksummed = await patch(url, stored.length, next, {
    'Upload-Checksum': `sha1 ${createHash('sha1').update(next).digest('base64')}`,
  });
  expect(checksummed.status, checksummed.text).toBe(507);
  expect(checksummed.text).toMatch(/^ERR_STORAGE_FULL: /);
  expect(fs.readdirSync(uploadDir).sort()).toEqual(before);
  expect(onDisk(url).equals(stored)).toBe(true);
  expect((await head(url)).headers['upload-offset']).toBe(String(stored.length));
  for (const page of ['/', '/uploads', '/api/uploads']) {
    const res = await rawRequest(`${server.baseUrl}${page}`, { method: 'GET' });
    expect(res.status, page).toBe(200);
  }
  expect((await rawRequest(server.endpoint, { method: 'OPTIONS', headers: TUS })).status).toBe(204);

  // 4. Other uploads work as far as space allows: free 1 MiB, a small upload goes through whole.
  fs.truncateSync(filler, fs.statSync(filler).size - MiB);
  const small = randomBytes(256 * 1024);
  const smallUrl = await uploadWhole(server.endpoint, small, { filename: 'small.bin' });
  const smallDownload = await rawRequest(smallUrl, { method: 'GET' });
  expect(smallDownload.status).toBe(200);
  expect(smallDownload.body.equals(small)).toBe(true);
  expect((await head(url)).headers['upload-offset']).toBe(String(stored.length));

  // 5. tus-js-client resumes the big upload while space is still short: it gets a 507, treats it as
  //    retriable, and once the space is freed (on that very 507) it completes from the stored offset.
  const seen: number[] = [];
  const upload = new tus.Upload(Buffer.from(source), {
    uploadUrl: url,
    retryDelays: [0, 0, 0],
    onShouldRetry: (error) => {
      const status = error.originalResponse?.getStatus() ?? 0;
      seen.push(status);
      if (status === 507) fs.rmSync(filler);
      return status === 507;
    },
  });
  await uploadToEnd(upload);
  expect(seen).toEqual([507]);
  const patches = requestsOf(server, { method: 'PATCH', id: uploadIdOf(url) });
  // Ours (plain, then checksummed), the client's refused one, and the one that completed: none from 0 but the first.
  expect(patches.map((event) => event.status)).toEqual([507, 507, 507, 204]);
  const [, , refusedByClient, completing] = patches;
  expect(refusedByClient.requestOffset).toBe(stored.length);
  expect(completing.requestOffset).toBeGreaterThanOrEqual(stored.length);
  expect(completing.responseOffset).toBe(UPLOAD_SIZE);

  const download = await rawRequest(url, { method: 'GET' });
  expect(download.status).toBe(200);
  expect(sha256(download.body)).toBe(sha256(source));
  expect(sha256(onDisk(url))).toBe(sha256(source));
});
