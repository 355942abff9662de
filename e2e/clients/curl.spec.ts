import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { requestsOf, runProcess, storedBytes, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import type { ServerEvent } from '../support/event-log';
import { encodeMetadata } from '../support/http';

// curl speaks tus by hand: the protocol with nothing but headers, as a shell
// script or an operator would use it.

const SIZE = 6 * 2 ** 20 + 17;

interface CurlResult {
  status: number;
  /** Response headers, names in lower case (the last response's, after any 100 Continue). */
  headers: Record<string, string>;
}

let app: AppServer;
let workDir: string;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'curl-client-'));
  file = randomFile('report.pdf', SIZE);
});
test.afterAll(async () => {
  await app?.dispose();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

/** Runs curl (silent, errors shown, no retries) and reads back the status and headers it received. */
async function curl(url: string, args: string[], output = '/dev/null'): Promise<CurlResult> {
  const headerFile = path.join(workDir, 'headers.txt');
  const result = await runProcess('curl', ['-sS', '--max-time', '60', '-D', headerFile, '-o', output, ...args, url]);
  if (result.code !== 0) throw new Error(`curl failed (${result.code}): ${result.stderr}`);
  // Several header blocks when the server sent 100 Continue first: the last one is the answer.
  const blocks = fs
    .readFileSync(headerFile, 'latin1')
    .trim()
    .split(/\r\n\r\n/);
  const lines = blocks.at(-1)!.split('\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0])?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers };
}

const TUS_HEADER = ['-H', 'Tus-Resumable: 1.0.0'];

/** `-H <header>` for each header. */
function headerArgs(...headers: string[]): string[] {
  return headers.flatMap((header) => ['-H', header]);
}

/** Creates an upload of `length` bytes with curl (and extra headers); returns its Location. */
async function createWithCurl(length: number, ...headers: string[]): Promise<string> {
  const res = await curl(app.endpoint, ['-X', 'POST', ...headerArgs('Tus-Resumable: 1.0.0', `Upload-Length: ${length}`, ...headers)]);
  expect(res.status).toBe(201);
  return res.headers.location;
}

/** Writes bytes to a file in the work folder, for `--data-binary @file`. */
function bodyFile(name: string, data: Buffer): string {
  const file = path.join(workDir, name);
  fs.writeFileSync(file, data);
  return file;
}

/** curl arguments of a PATCH sending a file at an offset, with extra headers. */
function patchWith(offset: number, body: string, ...headers: string[]): string[] {
  const tus = ['Tus-Resumable: 1.0.0', `Upload-Offset: ${offset}`, 'Content-Type: application/offset+octet-stream'];
  return ['-X', 'PATCH', ...headerArgs(...tus, ...headers), '--data-binary', `@${body}`];
}

test('curl creates an upload with its whole body in the POST (creation-with-upload)', async () => {
  const res = await curl(app.endpoint, [
    '-X',
    'POST',
    ...TUS_HEADER,
    '-H',
    `Upload-Length: ${SIZE}`,
    '-H',
    `Upload-Metadata: ${encodeMetadata({ filename: 'report.pdf', filetype: 'application/pdf' })}`,
    '-H',
    'Content-Type: application/offset+octet-stream',
    // curl asks "Expect: 100-continue" for a body this large: the server must answer it.
    '--data-binary',
    `@${file}`,
  ]);
  expect(res.status).toBe(201);
  expect(res.headers['upload-offset']).toBe(String(SIZE));
  expect(res.headers.location).toMatch(new RegExp(`^${app.endpoint}/[^/]+$`));
  const id = uploadIdOf(res.headers.location);
  await app.events.waitFor((e) => e.type === 'finished' && e.id === id, 30_000, 'finished event');

  expect(await sha256OfDownload(res.headers.location)).toBe(await sha256OfFile(file));
  // curl downloads it too, as an attachment named after the metadata.
  const out = path.join(workDir, 'downloaded.pdf');
  const download = await runProcess('curl', ['-sS', '--fail', '-o', out, res.headers.location]);
  expect(download.code, download.stderr).toBe(0);
  expect(await sha256OfFile(out)).toBe(await sha256OfFile(file));
});

test('curl uploads in two PATCHes, asking the offset with HEAD in between, then resumes a cut download', async () => {
  const url = await createWithCurl(SIZE);
  const id = uploadIdOf(url);

  const bytes = fs.readFileSync(file);
  const split = 2 * 2 ** 20 + 5;
  const part1 = bodyFile('part1', bytes.subarray(0, split));
  const part2 = bodyFile('part2', bytes.subarray(split));

  const first = await curl(url, patchWith(0, part1));
  expect(first.status).toBe(204);
  expect(first.headers['upload-offset']).toBe(String(split));

  // No PATCH is running now, so a HEAD is safe here.
  const head = await curl(url, ['-I', ...TUS_HEADER]);
  expect(head.status).toBe(200);
  expect(head.headers['upload-offset']).toBe(String(split));
  expect(head.headers['upload-length']).toBe(String(SIZE));
  expect(head.headers['cache-control']).toBe('no-store');

  // A PATCH at a wrong offset is refused and changes nothing. Its body is one
  // byte: the server answers 409 without reading a body and closes, and
  // curl, still sending megabytes, would fail with a broken pipe instead.
  const oneByte = bodyFile('one-byte', bytes.subarray(split, split + 1));
  const wrong = await curl(url, patchWith(split - 1, oneByte));
  expect(wrong.status).toBe(409);

  const second = await curl(url, patchWith(split, part2));
  expect(second.status).toBe(204);
  expect(second.headers['upload-offset']).toBe(String(SIZE));
  expect(requestsOf(app, { method: 'PATCH', id }).map((e) => [e.status, e.requestOffset])).toEqual([
    [204, 0],
    [409, split - 1],
    [204, split],
  ]);
  expect(await sha256OfDownload(url)).toBe(await sha256OfFile(file));

  // A download cut after 1 MiB and continued with `curl -C -` (a Range request from the file's size).
  const out = path.join(workDir, 'continued.bin');
  fs.writeFileSync(out, bytes.subarray(0, 2 ** 20));
  const continued = await curl(url, ['-C', '-'], out);
  expect(continued.status).toBe(206);
  expect(continued.headers['content-range']).toBe(`bytes ${2 ** 20}-${SIZE - 1}/${SIZE}`);
  expect(await sha256OfFile(out)).toBe(await sha256OfFile(file));
});

function sha1Base64(data: Buffer): string {
  return createHash('sha1').update(data).digest('base64');
}

test('curl PATCHes with Upload-Checksum: a right sha1 is stored (204), a wrong one is refused (460) and changes nothing', async () => {
  const url = await createWithCurl(SIZE);
  const id = uploadIdOf(url);
  const bytes = fs.readFileSync(file);
  const split = 3 * 2 ** 20 + 1;
  const first = bytes.subarray(0, split);
  const rest = bytes.subarray(split);
  const firstFile = bodyFile('checksum-first', first);
  const restFile = bodyFile('checksum-rest', rest);

  const right = await curl(url, patchWith(0, firstFile, `Upload-Checksum: sha1 ${sha1Base64(first)}`));
  expect(right.status).toBe(204);
  expect(right.headers['upload-offset']).toBe(String(split));
  const dataFile = path.join(app.uploadDir, id);
  const stored = await sha256OfFile(dataFile);

  // The rest of the file, announced with the digest of other bytes.
  const wrong = await curl(url, patchWith(split, restFile, `Upload-Checksum: sha1 ${sha1Base64(first)}`));
  expect(wrong.status).toBe(460);
  // Neither the offset nor a byte on disk moved.
  const head = await curl(url, ['-I', ...TUS_HEADER]);
  expect(head.status).toBe(200);
  expect(head.headers['upload-offset']).toBe(String(split));
  expect(storedBytes(app, id)).toBe(split);
  expect(await sha256OfFile(dataFile)).toBe(stored);

  const retried = await curl(url, patchWith(split, restFile, `Upload-Checksum: sha1 ${sha1Base64(rest)}`));
  expect(retried.status).toBe(204);
  expect(retried.headers['upload-offset']).toBe(String(SIZE));
  expect(requestsOf(app, { method: 'PATCH', id }).map((e) => [e.status, e.requestOffset])).toEqual([
    [204, 0],
    [460, split],
    [204, split],
  ]);
  expect(await sha256OfDownload(url)).toBe(await sha256OfFile(file));
});

/** Creates the final upload of the given partial URLs with curl; returns its Location. */
async function createFinal(partials: string[], name: string): Promise<string> {
  const res = await curl(app.endpoint, [
    '-X',
    'POST',
    ...TUS_HEADER,
    '-H',
    `Upload-Concat: final;${partials.join(' ')}`,
    '-H',
    `Upload-Metadata: ${encodeMetadata({ filename: name, filetype: 'application/pdf' })}`,
  ]);
  expect(res.status).toBe(201);
  return res.headers.location;
}

/** The `finished` events of an upload in the log (written when it completes, before its request is answered). */
function finishedEventsOf(url: string): ServerEvent[] {
  return app.events.all().filter((e) => e.type === 'finished' && e.id === uploadIdOf(url));
}

/** Downloads a finished upload with curl and checks it is the test file under the given name. */
async function expectDownloadOfFile(url: string, name: string): Promise<void> {
  const out = path.join(workDir, `download-${uploadIdOf(url)}`);
  const res = await curl(url, [], out);
  expect(res.status).toBe(200);
  expect(res.headers['content-disposition']).toContain(`filename="${name}"`);
  expect(await sha256OfFile(out)).toBe(await sha256OfFile(file));
}

test('curl uploads two partial uploads and joins them with a final one (concatenation): the download is byte-exact', async () => {
  const bytes = fs.readFileSync(file);
  const split = 2 * 2 ** 20 + 3;
  const parts = [bytes.subarray(0, split), bytes.subarray(split)];
  const partials: string[] = [];
  for (const [i, part] of parts.entries()) {
    const url = await createWithCurl(part.length, 'Upload-Concat: partial');
    const sent = await curl(url, patchWith(0, bodyFile(`part-${i}`, part)));
    expect(sent.status).toBe(204);
    expect(sent.headers['upload-offset']).toBe(String(part.length));
    partials.push(url);
  }

  const final = await createFinal(partials, 'joined.pdf');
  // Every part was complete: the final was assembled by its POST, before the answer.
  expect(finishedEventsOf(final)).toMatchObject([{ size: SIZE }]);
  await expectDownloadOfFile(final, 'joined.pdf');
  const head = await curl(final, ['-I', ...TUS_HEADER]);
  expect(head.status).toBe(200);
  expect(head.headers['upload-concat']).toBe(`final;${partials.join(' ')}`);
  expect(head.headers['upload-length']).toBe(String(SIZE));
  expect(head.headers['upload-offset']).toBe(String(SIZE));
});

test('curl creates the final before its last partial upload is complete (concatenation-unfinished); the last PATCH completes it', async () => {
  const bytes = fs.readFileSync(file);
  const split = 4 * 2 ** 20 + 9;
  const first = await createWithCurl(split, 'Upload-Concat: partial');
  const second = await createWithCurl(SIZE - split, 'Upload-Concat: partial');
  expect((await curl(first, patchWith(0, bodyFile('early-0', bytes.subarray(0, split))))).status).toBe(204);
  const half = 2 ** 20;
  expect((await curl(second, patchWith(0, bodyFile('early-1a', bytes.subarray(split, split + half))))).status).toBe(204);

  // Relative paths, as a script that keeps only the Location's path would send them.
  const paths = [first, second].map((url) => new URL(url).pathname);
  const final = await createFinal(paths, 'early.pdf');
  const pending = await curl(final, ['-I', ...TUS_HEADER]);
  expect(pending.status).toBe(200);
  expect(pending.headers['upload-concat']).toBe(`final;${paths.join(' ')}`);
  expect(pending.headers['upload-length']).toBe(String(SIZE));
  expect(pending.headers['upload-offset']).toBeUndefined();
  expect(finishedEventsOf(final)).toEqual([]);

  // The PATCH that completes the last part completes the final: it is complete once that 204 is sent.
  const last = await curl(second, patchWith(half, bodyFile('early-1b', bytes.subarray(split + half))));
  expect(last.status).toBe(204);
  expect(last.headers['upload-offset']).toBe(String(SIZE - split));
  expect(finishedEventsOf(final)).toMatchObject([{ size: SIZE }]);
  await expectDownloadOfFile(final, 'early.pdf');
  const done = await curl(final, ['-I', ...TUS_HEADER]);
  expect(done.status).toBe(200);
  expect(done.headers['upload-offset']).toBe(String(SIZE));
});
