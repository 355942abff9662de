import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { requestsOf, runProcess, uploadIdOf } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
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
  const created = await curl(app.endpoint, ['-X', 'POST', ...TUS_HEADER, '-H', `Upload-Length: ${SIZE}`]);
  expect(created.status).toBe(201);
  const url = created.headers.location;
  const id = uploadIdOf(url);

  const bytes = fs.readFileSync(file);
  const split = 2 * 2 ** 20 + 5;
  const part1 = path.join(workDir, 'part1');
  const part2 = path.join(workDir, 'part2');
  fs.writeFileSync(part1, bytes.subarray(0, split));
  fs.writeFileSync(part2, bytes.subarray(split));
  const patchArgs = (offset: number, part: string) => [
    '-X',
    'PATCH',
    ...TUS_HEADER,
    '-H',
    `Upload-Offset: ${offset}`,
    '-H',
    'Content-Type: application/offset+octet-stream',
    '--data-binary',
    `@${part}`,
  ];

  const first = await curl(url, patchArgs(0, part1));
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
  const oneByte = path.join(workDir, 'one-byte');
  fs.writeFileSync(oneByte, bytes.subarray(split, split + 1));
  const wrong = await curl(url, patchArgs(split - 1, oneByte));
  expect(wrong.status).toBe(409);

  const second = await curl(url, patchArgs(split, part2));
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
