import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Metadata } from '@tus/server';
import { createUploadEngine, UploadError, type HookEvent, type HookType, type UploadEngine, type UploadHooks } from '../index';

// Hooks given in code (tusd's events), on an engine served by a plain Node server (no Next.js): what the blocking
// ones answer changes what is stored and answered; the others hear of what happened, with tusd's event.

let dir: string;
let logDir: string;
let engine: UploadEngine;
const QUIET = { level: 'silent', format: 'json' } as const;
let server: http.Server;
let endpoint: string;

/** Every post-* and post-receive event the hooks heard, and a way to wait for one. */
class Heard {
  readonly events: HookEvent[] = [];
  private waiters: Array<{ matches: (event: HookEvent) => boolean; resolve: (event: HookEvent) => void }> = [];

  readonly record = (event: HookEvent) => {
    this.events.push(event);
    for (const waiter of this.waiters.filter((candidate) => candidate.matches(event))) waiter.resolve(event);
    this.waiters = this.waiters.filter((waiter) => !waiter.matches(event));
  };

  /** The first event of `type` (for upload `id`), now or when it comes. */
  next(type: HookType, id?: string): Promise<HookEvent> {
    const matches = (event: HookEvent) => event.type === type && (id === undefined || event.upload.id === id);
    const found = this.events.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  types(id: string): HookType[] {
    return this.events.filter((event) => event.upload.id === id).map((event) => event.type);
  }
}

let heard: Heard;

/** Serves an engine with `hooks`, plus post-* hooks that record into `heard` where `hooks` has none. */
async function serve(hooks: UploadHooks, options: { postReceiveIntervalMs?: number } = {}): Promise<void> {
  heard = new Heard();
  const recording: UploadHooks = {
    postCreate: heard.record,
    postFinish: heard.record,
    postTerminate: heard.record,
    postReceive: heard.record,
    ...hooks,
  };
  // The engine's log goes to a file (every record) and not to the test's output.
  engine = createUploadEngine({
    uploadDir: dir,
    hooks: recording,
    path: '/files',
    log: QUIET,
    eventLog: path.join(logDir, 'events.jsonl'),
    ...options,
  });
  server = http.createServer((req, res) => void engine.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
}

test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hooks-'));
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hooks-log-'));
});
test.afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(logDir, { recursive: true, force: true });
});

const TUS = { 'Tus-Resumable': '1.0.0' };
const BYTES = { 'Content-Type': 'application/offset+octet-stream' };
const create = (headers: Record<string, string>, body?: string) =>
  fetch(endpoint, { method: 'POST', headers: { ...TUS, ...headers, ...(body === undefined ? {} : BYTES) }, body });
const patch = (url: string, offset: number, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'PATCH', headers: { ...TUS, ...BYTES, 'Upload-Offset': String(offset), ...headers }, body });
const head = (url: string) => fetch(url, { method: 'HEAD', headers: TUS });
const remove = (url: string) => fetch(url, { method: 'DELETE', headers: TUS });
const idOf = (url: string) => url.split('/').pop()!;
const withName = { 'Upload-Metadata': Metadata.stringify({ filename: 'a.txt', empty: null }) };

test("pre-create sees the request and tusd's upload without an id; it may choose the id and the metadata", async () => {
  const seen: HookEvent[] = [];
  await serve({
    preCreate(event) {
      seen.push(event);
      const team = event.httpRequest.header['x-team']?.[0] ?? 'nobody';
      return { changeFileInfo: { id: `report-${team}`, metadata: { ...event.upload.metadata, team } } };
    },
  });
  const created = await create({ 'Upload-Length': '5', 'X-Team': 'blue', ...withName });
  expect(created.status).toBe(201);
  const url = created.headers.get('location')!;
  expect(url).toBe(`${endpoint}/report-blue`);
  expect(Metadata.parse((await head(url)).headers.get('upload-metadata') ?? '')).toEqual({ filename: 'a.txt', empty: null, team: 'blue' });

  const [event] = seen;
  expect(event.type).toBe('pre-create');
  expect(event.upload).toEqual({
    id: null,
    size: 5,
    sizeIsDeferred: false,
    offset: 0,
    metadata: { filename: 'a.txt', empty: '' },
    isPartial: false,
    isFinal: false,
    partialUploads: null,
    storage: null,
  });
  expect(event.httpRequest.method).toBe('POST');
  expect(event.httpRequest.uri).toBe('/files');
  expect(event.httpRequest.remoteAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(event.httpRequest.header['upload-length']).toEqual(['5']);

  // The post-create event has the id and where the bytes go.
  const posted = await heard.next('post-create', 'report-blue');
  expect(posted.upload.storage).toEqual({ type: 'filestore', path: path.join(dir, 'report-blue') });

  // An id that is taken is refused, and the upload that has it is untouched.
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  const again = await create({ 'Upload-Length': '3', 'X-Team': 'blue' });
  expect([again.status, await again.text()]).toEqual([409, 'ERR_UPLOAD_ID_TAKEN: an upload with the id report-blue exists already\n']);
  expect(fs.readFileSync(path.join(dir, 'report-blue'), 'utf8')).toBe('hello');
  expect((await head(url)).headers.get('upload-length')).toBe('5');
});

test('pre-create refuses with its own answer, an UploadError it throws, or a 500 when it fails; nothing is stored', async () => {
  await serve({
    preCreate(event) {
      const name = event.upload.metadata.filename;
      if (name === undefined) {
        return {
          rejectUpload: true,
          httpResponse: { statusCode: 422, body: '{"message":"send a filename"}', header: { 'Content-Type': 'application/json' } },
        };
      }
      if (name === 'throw') throw new UploadError(403, 'ERR_QUOTA', 'over quota');
      if (name === 'bad-id') return { changeFileInfo: { id: '../escape' } };
      throw new Error('the database is down');
    },
  });
  const refused = await create({ 'Upload-Length': '5' }, 'hello');
  expect([refused.status, await refused.text(), refused.headers.get('content-type')]).toEqual([
    422,
    '{"message":"send a filename"}',
    'application/json',
  ]);
  expect(refused.headers.get('tus-resumable')).toBe('1.0.0');
  const quota = await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'throw' }) });
  expect([quota.status, await quota.text()]).toEqual([403, 'ERR_QUOTA: over quota\n']);
  const badId = await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'bad-id' }) });
  expect([badId.status, await badId.text()]).toEqual([500, 'ERR_HOOK_FAILED: the pre-create hook failed; nothing was changed\n']);
  const failed = await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'x' }) });
  expect([failed.status, await failed.text()]).toEqual([500, 'ERR_HOOK_FAILED: the pre-create hook failed; nothing was changed\n']);
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(heard.events).toEqual([]);
});

test('a rejection without an answer of its own is tusd’s 400', async () => {
  await serve({ preCreate: () => ({ rejectUpload: true }) });
  const refused = await create({ 'Upload-Length': '5' });
  expect([refused.status, await refused.text()]).toEqual([400, 'ERR_UPLOAD_REJECTED: upload creation has been rejected by server\n']);
});

test('pre-finish may change the answer that completes the upload; post-finish follows with the whole upload', async () => {
  await serve({
    preFinish: (event) => ({
      httpResponse: { statusCode: 200, body: `stored ${event.upload.offset} bytes\n`, header: { 'X-Stored': String(event.upload.size) } },
    }),
  });
  const url = (await create({ 'Upload-Length': '5', ...withName })).headers.get('location')!;
  const done = await patch(url, 0, 'hello');
  expect([done.status, await done.text(), done.headers.get('x-stored'), done.headers.get('upload-offset')]).toEqual([
    200,
    'stored 5 bytes\n',
    '5',
    '5',
  ]);
  const finished = await heard.next('post-finish', idOf(url));
  expect(finished.upload).toMatchObject({ id: idOf(url), size: 5, offset: 5, metadata: { filename: 'a.txt', empty: '' } });
  expect(finished.httpRequest).toMatchObject({ method: 'PATCH', uri: `/files/${idOf(url)}` });
  expect(finished.httpRequest.header['upload-offset']).toEqual(['0']);

  // A PATCH that finds the upload complete already (a retry) does not finish it again.
  expect((await patch(url, 5, '')).status).toBe(204);
  expect(heard.types(idOf(url)).filter((type) => type === 'post-finish')).toHaveLength(1);
});

test('pre-finish may refuse the finished upload: it is removed, post-terminate follows, and post-finish never comes', async () => {
  await serve({
    preFinish: (event) =>
      event.upload.metadata.filename === 'virus.exe'
        ? { rejectUpload: true, httpResponse: { statusCode: 422, body: 'infected\n' } }
        : undefined,
  });
  const url = (await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'virus.exe' }) })).headers.get(
    'location',
  )!;
  const refused = await patch(url, 0, 'hello');
  expect([refused.status, await refused.text()]).toEqual([422, 'infected\n']);
  expect((await head(url)).status).toBe(404);
  expect(fs.readdirSync(dir)).toEqual([]);
  expect((await heard.next('post-terminate', idOf(url))).upload.offset).toBe(5);
  expect(heard.types(idOf(url))).toEqual(['post-create', 'post-receive', 'post-terminate']);

  // Also when the bytes came with the creation: no Location, nothing kept.
  const withBody = await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'virus.exe' }) }, 'hello');
  expect([withBody.status, withBody.headers.get('location')]).toEqual([422, null]);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('a pre-finish that fails answers 500, and the finished upload stays: its bytes are all stored', async () => {
  await serve({
    preFinish() {
      throw new Error('the thumbnailer is down');
    },
  });
  const url = (await create({ 'Upload-Length': '5' })).headers.get('location')!;
  const failed = await patch(url, 0, 'hello');
  expect([failed.status, await failed.text()]).toEqual([
    500,
    'ERR_HOOK_FAILED: the pre-finish hook failed; the upload is complete and kept\n',
  ]);
  expect((await head(url)).headers.get('upload-offset')).toBe('5');
  expect((await heard.next('post-finish', idOf(url))).upload.offset).toBe(5);
});

test('post-receive hears the progress of a running PATCH, and may stop it: the upload is removed, as in tusd', async () => {
  let stopAt = Infinity;
  await serve(
    {
      postReceive(event) {
        heard.record(event);
        if (event.upload.offset >= stopAt) return { stopUpload: true, httpResponse: { statusCode: 403, body: 'quota exceeded\n' } };
      },
    },
    { postReceiveIntervalMs: 20 },
  );
  const url = (await create({ 'Upload-Length': String(8 * 65536) })).headers.get('location')!;

  // A body sent in pieces, each after the server heard of the last: progress is reported while the request runs.
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 4 * 65536) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(65536).fill(7));
      sent += 65536;
      await new Promise<void>((resolve) => {
        const check = () =>
          heard.events.some((event) => event.type === 'post-receive' && event.upload.offset === sent) ? resolve() : setTimeout(check, 5);
        check();
      });
    },
  });
  const first = await fetch(url, {
    method: 'PATCH',
    headers: { ...TUS, ...BYTES, 'Upload-Offset': '0' },
    body,
    duplex: 'half',
  } as RequestInit);
  expect(first.status).toBe(204);
  // Each piece was heard (a piece split by the network may add an offset between), in order, none twice.
  const offsets = heard.events.filter((event) => event.type === 'post-receive').map((event) => event.upload.offset);
  expect(offsets).toEqual(expect.arrayContaining([65536, 2 * 65536, 3 * 65536, 4 * 65536]));
  expect(offsets).toEqual([...new Set(offsets)].sort((x, y) => x - y));

  // Now the hook stops the next PATCH once it has received anything: the answer comes while the body is still sent.
  stopAt = 4 * 65536 + 1;
  const stopped = await endlessPatch(url, 4 * 65536);
  expect([stopped.status, stopped.body]).toEqual([403, 'quota exceeded\n']);
  expect((await head(url)).status).toBe(404);
  expect((await heard.next('post-terminate', idOf(url))).upload.id).toBe(idOf(url));
  expect(fs.readdirSync(dir)).toEqual([]);
});

/** A PATCH whose body never ends (1 KiB every 5 ms): resolves with the answer the server gives meanwhile. */
function endlessPatch(url: string, offset: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'PATCH', headers: { ...TUS, ...BYTES, 'Upload-Offset': String(offset) } });
    const timer = setInterval(() => request.write(Buffer.alloc(1024, 1)), 5);
    request.on('response', (response) => {
      clearInterval(timer);
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    request.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
  });
}

test('pre-terminate may keep the upload; otherwise post-terminate follows the DELETE', async () => {
  await serve({
    preTerminate: (event) => (event.upload.metadata.keep === 'yes' ? { rejectTermination: true } : undefined),
  });
  const kept = (await create({ 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ keep: 'yes' }) })).headers.get('location')!;
  const refused = await remove(kept);
  expect([refused.status, await refused.text()]).toEqual([
    400,
    'ERR_UPLOAD_TERMINATION_REJECTED: upload termination has been rejected by server\n',
  ]);
  expect((await head(kept)).status).toBe(200);

  const gone = (await create({ 'Upload-Length': '5' })).headers.get('location')!;
  expect((await remove(gone)).status).toBe(204);
  const terminated = await heard.next('post-terminate', idOf(gone));
  expect(terminated.httpRequest.method).toBe('DELETE');
  expect(heard.types(idOf(kept))).toEqual(['post-create']);
});

test('a final upload finishes with its last part: post-finish for the part, then for the final with its parts', async () => {
  await serve({});
  const a = (await create({ 'Upload-Length': '2', 'Upload-Concat': 'partial' })).headers.get('location')!;
  const b = (await create({ 'Upload-Length': '3', 'Upload-Concat': 'partial' })).headers.get('location')!;
  const final = (await create({ 'Upload-Concat': `final;${new URL(a).pathname} ${new URL(b).pathname}` })).headers.get('location')!;
  expect((await patch(a, 0, 'he')).status).toBe(204);
  expect((await patch(b, 0, 'llo')).status).toBe(204);
  expect((await heard.next('post-finish', idOf(a))).upload.isPartial).toBe(true);
  const whole = await heard.next('post-finish', idOf(final));
  expect(whole.upload).toMatchObject({ isFinal: true, size: 5, offset: 5, partialUploads: [idOf(a), idOf(b)] });
  expect(whole.httpRequest.uri).toBe(new URL(b).pathname);
});

test('a post-* hook that throws is reported in the log and changes nothing', async () => {
  await serve({
    postFinish() {
      throw new Error('the queue is down');
    },
  });
  const created = await create({ 'Upload-Length': '5' }, 'hello');
  expect(created.status).toBe(201);
  const failures = () =>
    fs
      .readFileSync(path.join(logDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"hook":"post-finish"'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string } });
  await expect.poll(() => failures().length, { timeout: 5_000 }).toBe(1);
  expect(failures()[0]).toMatchObject({ level: 50, msg: 'the post-finish hook failed', err: { message: 'the queue is down' } });
  expect((await head(created.headers.get('location')!)).headers.get('upload-offset')).toBe('5');
});
