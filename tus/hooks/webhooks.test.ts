import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { Metadata } from '@tus/server';
import { createUploadEngine, HOOK_TYPES, type UploadEngine, type UploadHooks } from '../index';
import type { WebhookOptions } from './webhooks';

// Webhooks against a receiver written as tusd's documentation has them (examples/hooks/http/server.py in tusd): tusd's
// JSON in, tusd's answers out. Post-* events wait in an outbox until the receiver takes them, across a restart.

interface Received {
  type: string;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tusd's JSON, read as a receiver would
  headers: http.IncomingHttpHeaders;
  /** The body as sent: what the signature covers. */
  text: string;
}

/** A hook receiver on 127.0.0.1: `answer` decides each response; every request is kept, and can be awaited. */
class Receiver {
  readonly received: Received[] = [];
  private readonly server: http.Server;
  private waiters: Array<{ matches: (entry: Received) => boolean; resolve: (entry: Received) => void }> = [];
  answer: (entry: Received) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

  constructor() {
    this.server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        const body = JSON.parse(text) as Received['body'];
        const entry = { type: body.Type as string, body, headers: req.headers, text };
        const { status, body: answer } = this.answer(entry);
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
        if (status !== 200) return;
        this.received.push(entry);
        for (const waiter of this.waiters.filter((candidate) => candidate.matches(entry))) waiter.resolve(entry);
        this.waiters = this.waiters.filter((waiter) => !waiter.matches(entry));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** The first accepted request of `type` (for upload `id`), now or when it comes. */
  next(type: string, id?: string): Promise<Received> {
    const matches = (entry: Received) => entry.type === type && (id === undefined || entry.body.Event.Upload.ID === id);
    const found = this.received.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let dir: string;
let outbox: string;
let receiver: Receiver;
let engines: Array<{ engine: UploadEngine; server: http.Server }> = [];

test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhooks-'));
  outbox = path.join(dir, 'outbox');
  receiver = new Receiver();
});
test.afterEach(async () => {
  for (const { engine, server } of engines) await stop(engine, server);
  engines = [];
  await receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function stop(engine: UploadEngine, server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  engine.close();
}

const SECRET = 'a-secret-of-32-characters-or-so!';

/** An engine with webhooks to `url` (every event unless told), served at /files; returns the creation URL. */
async function serve(url: string, webhooks: Partial<WebhookOptions> = {}, hooks: UploadHooks = {}): Promise<string> {
  const engine = createUploadEngine({
    uploadDir: path.join(dir, 'uploads'),
    path: '/files',
    log: { level: 'silent', format: 'json' },
    hooks,
    webhooks: { url: new URL(url), events: HOOK_TYPES, secret: SECRET, timeoutMs: 2_000, failOpen: false, outboxDir: outbox, ...webhooks },
  });
  await engine.start();
  const server = http.createServer((req, res) => void engine.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  engines.push({ engine, server });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
}

const TUS = { 'Tus-Resumable': '1.0.0' };
const BYTES = { 'Content-Type': 'application/offset+octet-stream' };
const idOf = (url: string) => url.split('/').pop()!;

/** tusd's example receiver: refuses an upload without a file name, marks the others, answers pre-finish with a body. */
function tusdExample({ type, body }: Received): { status: number; body: unknown } {
  if (type === 'pre-create') {
    const metadata = body.Event.Upload.MetaData as Record<string, string>;
    if (!metadata.filename)
      return { status: 200, body: { RejectUpload: true, HTTPResponse: { StatusCode: 400, Body: 'no filename provided' } } };
    return { status: 200, body: { ChangeFileInfo: { MetaData: { ...metadata, checked: 'yes' } } } };
  }
  if (type === 'pre-finish') {
    return {
      status: 200,
      body: { HTTPResponse: { StatusCode: 200, Body: 'some information', Header: { 'X-From-Pre-Finish': 'hello again' } } },
    };
  }
  return { status: 200, body: {} };
}

test("a receiver written for tusd gets tusd's JSON, signed, and what it answers decides", async () => {
  receiver.answer = tusdExample;
  const endpoint = await serve(await receiver.listen());

  const refused = await fetch(endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': '5' } });
  expect([refused.status, await refused.text()]).toEqual([400, 'no filename provided']);

  const created = await fetch(endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': '5', 'Upload-Metadata': Metadata.stringify({ filename: 'a.txt' }) },
  });
  expect(created.status).toBe(201);
  const url = created.headers.get('location')!;
  const stored = await fetch(url, { method: 'HEAD', headers: TUS });
  expect(Metadata.parse(stored.headers.get('upload-metadata') ?? '')).toEqual({ filename: 'a.txt', checked: 'yes' });

  const done = await fetch(url, { method: 'PATCH', headers: { ...TUS, ...BYTES, 'Upload-Offset': '0' }, body: 'hello' });
  expect([done.status, await done.text(), done.headers.get('x-from-pre-finish')]).toEqual([200, 'some information', 'hello again']);

  // What the receiver got: tusd's request body, with Go's header names, signed.
  const preCreate = receiver.received.find((entry) => entry.type === 'pre-create')!;
  expect(preCreate.body.Event.Upload).toMatchObject({ ID: '', Size: 5, SizeIsDeferred: false, Offset: 0, IsPartial: false, Storage: null });
  expect(preCreate.body.Event.HTTPRequest).toMatchObject({ Method: 'POST', URI: '/files' });
  expect(preCreate.body.Event.HTTPRequest.Header['Upload-Length']).toEqual(['5']);
  expect(preCreate.headers['hook-name']).toBe('pre-create');
  for (const entry of receiver.received) {
    expect(entry.headers['hook-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(entry.text).digest('hex')}`);
  }

  const finished = await receiver.next('post-finish', idOf(url));
  expect(finished.headers['idempotency-key']).toBe(`post-finish.${idOf(url)}`);
  expect(finished.body.Event.Upload).toMatchObject({
    ID: idOf(url),
    Size: 5,
    Offset: 5,
    MetaData: { filename: 'a.txt', checked: 'yes' },
    Storage: { Type: 'filestore', Path: path.join(dir, 'uploads', idOf(url)) },
  });
  expect((await receiver.next('post-create', idOf(url))).headers['idempotency-key']).toBe(`post-create.${idOf(url)}`);
});

test('the app’s hooks run first: the receiver sees the metadata they chose, and a refusal by either stands', async () => {
  receiver.answer = tusdExample;
  const endpoint = await serve(
    await receiver.listen(),
    { events: ['pre-create'] },
    {
      preCreate: (event) =>
        event.upload.metadata.team === 'red'
          ? { rejectUpload: true }
          : { changeFileInfo: { metadata: { ...event.upload.metadata, filename: 'named-by-app' } } },
    },
  );
  const created = await fetch(endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': '1' } });
  expect(created.status).toBe(201);
  expect(receiver.received[0].body.Event.Upload.MetaData).toEqual({ filename: 'named-by-app' });
  const stored = await fetch(created.headers.get('location')!, { method: 'HEAD', headers: TUS });
  expect(Metadata.parse(stored.headers.get('upload-metadata') ?? '')).toEqual({ filename: 'named-by-app', checked: 'yes' });

  const red = await fetch(endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': Metadata.stringify({ team: 'red' }) },
  });
  expect(red.status).toBe(400);
  expect(receiver.received).toHaveLength(1);
});

test('a blocking hook whose receiver is down refuses the request (fail closed), or lets it through when told (fail open)', async () => {
  // A port nobody listens on.
  const down = await receiver.listen();
  await receiver.close();
  const closed = await serve(down);
  const refused = await fetch(closed, { method: 'POST', headers: { ...TUS, 'Upload-Length': '1' } });
  expect([refused.status, await refused.text()]).toEqual([500, 'ERR_HOOK_FAILED: the pre-create hook failed; nothing was changed\n']);
  expect(fs.readdirSync(path.join(dir, 'uploads'))).toEqual([]);

  const open = await serve(down, { failOpen: true, events: ['pre-create'] });
  expect((await fetch(open, { method: 'POST', headers: { ...TUS, 'Upload-Length': '1' } })).status).toBe(201);
  receiver = new Receiver();
  await receiver.listen();
});

test('post-* events wait in the outbox while the receiver fails, and are delivered after a restart, with their keys', async () => {
  let failing = true;
  let refused: () => void;
  const firstRefusal = new Promise<void>((resolve) => (refused = resolve));
  receiver.answer = (entry) => {
    if (!failing || !entry.type.startsWith('post-')) return { status: 200, body: {} };
    refused();
    return { status: 503, body: {} };
  };
  const hooksUrl = await receiver.listen();
  const endpoint = await serve(hooksUrl, { events: ['post-finish'] });

  const created = await fetch(endpoint, { method: 'POST', headers: { ...TUS, ...BYTES, 'Upload-Length': '5' }, body: 'hello' });
  expect(created.status).toBe(201);
  const id = idOf(created.headers.get('location')!);
  // Kept before the answer: the record is there now.
  expect(fs.readdirSync(outbox).filter((name) => name.endsWith(`post-finish.${id}.json`))).toHaveLength(1);

  // The process stops once the receiver refused it (no attempt is left in flight); a new one reads the outbox.
  await firstRefusal;
  const first = engines.pop()!;
  await stop(first.engine, first.server);
  failing = false;
  await serve(hooksUrl, { events: ['post-finish'] });
  const delivered = await receiver.next('post-finish', id);
  expect(delivered.headers['idempotency-key']).toBe(`post-finish.${id}`);
  expect(delivered.body.Event.Upload).toMatchObject({ ID: id, Size: 5, Offset: 5 });
  await expect.poll(() => fs.readdirSync(outbox), { timeout: 5_000 }).toEqual([]);
});

test('a receiver that fails is retried, with backoff, until it takes the event', async () => {
  let refusals = 2;
  receiver.answer = (entry) => (entry.type === 'post-finish' && refusals-- > 0 ? { status: 500, body: {} } : { status: 200, body: {} });
  const endpoint = await serve(await receiver.listen(), { events: ['post-finish'] });
  const created = await fetch(endpoint, { method: 'POST', headers: { ...TUS, ...BYTES, 'Upload-Length': '1' }, body: 'x' });
  const id = idOf(created.headers.get('location')!);
  const started = Date.now();
  await receiver.next('post-finish', id);
  // Two refusals: retried after 1 s, then 2 s.
  expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
  expect(receiver.received.filter((entry) => entry.type === 'post-finish')).toHaveLength(1);
});
