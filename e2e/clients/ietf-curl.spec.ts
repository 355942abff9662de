import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { requestsOf, runProcess, uploadIdOf, waitForStoredBytes } from '../support/clients';
import { randomFile, sha256OfFile } from '../support/files';
import { TcpProxy } from '../support/tcp-proxy';

// curl speaks the -12 draft (interop version 8) by hand: a whole file in one POST, the network failing half way,
// then the offset asked with HEAD and the rest appended, with nothing but the Location of the 104 curl received.

const SIZE = 6 * 2 ** 20 + 17;
/** curl is held to this rate, so that the network can fail while it is still sending. */
const RATE = '2M';

interface Block {
  status: number;
  headers: Record<string, string>;
}

let app: AppServer;
let proxy: TcpProxy;
let workDir: string;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  proxy = await TcpProxy.start(app.port);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'curl-ietf-'));
  file = randomFile('draft.tar', SIZE);
});
test.afterAll(async () => {
  await proxy?.close();
  await app?.dispose();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

/** Every response head curl wrote with -D, interim ones included, in order. */
function headBlocks(headerFile: string): Block[] {
  return fs
    .readFileSync(headerFile, 'latin1')
    .split(/\r\n\r\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const [statusLine, ...lines] = block.trim().split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).trim().toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      return { status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1]), headers };
    });
}

/** Runs curl with the draft's interop version and returns its exit code and the heads it received. */
async function curl(url: string, args: string[], name: string): Promise<{ code: number | null; blocks: Block[] }> {
  const headerFile = path.join(workDir, `${name}.headers`);
  const result = await runProcess('curl', [
    '-sS',
    '-D',
    headerFile,
    '-o',
    '/dev/null',
    '-H',
    'Upload-Draft-Interop-Version: 8',
    ...args,
    url,
  ]);
  return { code: result.code, blocks: headBlocks(headerFile) };
}

test('curl: a creation cut half way resumes with the Location of its 104, byte-exact', async () => {
  // The whole file in the creation request, through a network that is about to fail.
  const creating = curl(
    `${proxy.baseUrl}/api/upload`,
    [
      '--limit-rate',
      RATE,
      '-X',
      'POST',
      '-H',
      'Upload-Complete: ?1',
      '-H',
      `Upload-Length: ${SIZE}`,
      '-H',
      'Content-Type: application/x-tar',
      '--data-binary',
      `@${file}`,
    ],
    'creation',
  );
  const created = await app.events.waitFor((e) => e.type === 'created', 30_000, 'the upload created');
  const id = created.id!;
  await waitForStoredBytes(app, id, 2 ** 20, 30_000, true);
  proxy.cut();
  proxy.restore();
  const creation = await creating;
  expect(creation.code).not.toBe(0);
  // curl saw 100 Continue (it asked for it), then the 104 with the upload's URI, and no final response.
  expect(creation.blocks.map((block) => block.status)).toEqual([100, 104]);
  const location = creation.blocks[1].headers.location;
  expect(location).toBe(`${proxy.baseUrl}/api/upload/${id}`);
  expect(creation.blocks[1].headers['upload-draft-interop-version']).toBe('8');

  // Offset retrieval: what the server stored before the network failed.
  const head = await curl(location, ['-I'], 'offset');
  expect(head.code).toBe(0);
  const [offsetBlock] = head.blocks;
  expect(offsetBlock.status).toBe(204);
  expect([offsetBlock.headers['upload-complete'], offsetBlock.headers['upload-length']]).toEqual(['?0', String(SIZE)]);
  const offset = Number(offsetBlock.headers['upload-offset']);
  expect(offset).toBeGreaterThanOrEqual(2 ** 20);
  expect(offset).toBeLessThan(SIZE);

  // The rest, appended from there.
  const rest = path.join(workDir, 'rest');
  fs.writeFileSync(rest, fs.readFileSync(file).subarray(offset));
  const append = await curl(
    location,
    [
      '-X',
      'PATCH',
      '-H',
      'Content-Type: application/partial-upload',
      '-H',
      `Upload-Offset: ${offset}`,
      '-H',
      'Upload-Complete: ?1',
      '--data-binary',
      `@${rest}`,
    ],
    'append',
  );
  expect(append.code).toBe(0);
  const final = append.blocks.at(-1)!;
  expect([final.status, final.headers['upload-complete'], final.headers['upload-offset']]).toEqual([201, '?1', String(SIZE)]);
  // (A request's log line may land just after its answer reached the client.)
  await app.events.waitFor((e) => e.type === 'request' && e.method === 'PATCH' && e.id === id, 10_000, 'the PATCH line');
  expect(requestsOf(app, { id }).map((e) => [e.method, e.status, e.requestOffset, e.responseOffset])).toEqual([
    ['HEAD', 204, null, offset],
    ['PATCH', 201, offset, SIZE],
  ]);

  // curl downloads the file whole.
  const downloaded = path.join(workDir, 'downloaded.tar');
  const download = await runProcess('curl', ['-sS', '--fail', '-o', downloaded, `${app.endpoint}/${uploadIdOf(location)}`]);
  expect(download.code, download.stderr).toBe(0);
  expect(await sha256OfFile(downloaded)).toBe(await sha256OfFile(file));
});
