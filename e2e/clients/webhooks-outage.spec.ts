import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { freePort } from '../support/free-port';

// The promise of the outbox, end to end: the webhook receiver is down for a minute, and the server is SIGKILLed in
// between. Afterwards every post-finish has arrived, and the receiver, deduplicating by Idempotency-Key as tusd's
// receivers are told to, sees each upload finish exactly once. Uploads never wait for the receiver.

const OUTAGE_MS = 60_000;
const SECRET = 'the-receivers-shared-secret-0123';

test.setTimeout(240_000);

/** A receiver as tusd's documentation describes one: tusd's JSON in, `{}` out, checked against the shared secret. */
class Receiver {
  /** Every delivery that passed the signature check, by idempotency key. */
  readonly deliveries = new Map<string, Array<Record<string, any>>>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- tusd's JSON
  badSignatures = 0;
  private server: http.Server | null = null;
  private wanted: { keys: string[]; resolve: () => void } | null = null;

  constructor(readonly port: number) {}

  start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        const signature = `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}`;
        if (req.headers['hook-signature'] !== signature) {
          this.badSignatures += 1;
          res.writeHead(401).end();
          return;
        }
        const key = String(req.headers['idempotency-key']);
        this.deliveries.set(key, [...(this.deliveries.get(key) ?? []), JSON.parse(text)]);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
        if (this.wanted && this.wanted.keys.every((wanted) => this.deliveries.has(wanted))) this.wanted.resolve();
      });
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** Resolves once every key has been delivered. */
  until(keys: string[]): Promise<void> {
    return new Promise((resolve) => {
      this.wanted = { keys, resolve };
      if (keys.every((key) => this.deliveries.has(key))) resolve();
    });
  }
}

let app: AppServer | undefined;
let receiver: Receiver | undefined;
let work: string;

test.beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'webhooks-outage-'));
});
test.afterAll(async () => {
  await app?.dispose();
  await receiver?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function upload(endpoint: string, name: string, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload: tus.Upload = new tus.Upload(bytes, {
      endpoint,
      metadata: { filename: name },
      chunkSize: 256 * 1024,
      retryDelays: null,
      onSuccess: () => resolve(upload.url!),
      onError: reject,
    });
    upload.start();
  });
}

test('the receiver down for a minute and a SIGKILL in between: every post-finish arrives, each upload once', async () => {
  receiver = new Receiver(await freePort());
  await receiver.start();
  app = await AppServer.start({
    env: {
      UPLOAD_HOOKS_URL: `http://127.0.0.1:${receiver.port}/tus-hooks`,
      UPLOAD_HOOKS_EVENTS: 'post-create,post-finish',
      UPLOAD_HOOKS_SECRET: SECRET,
      UPLOAD_HOOKS_OUTBOX: path.join(work, 'outbox'),
    },
  });

  // One upload while the receiver is up, to see the path work at all.
  const files = new Map<string, Buffer>();
  const first = Buffer.alloc(300_000, 1);
  const firstUrl = await upload(app.endpoint, 'first.bin', first);
  files.set(uploadIdOf(firstUrl), first);
  await receiver.until([`post-finish.${uploadIdOf(firstUrl)}`]);

  // The outage: uploads go on, their events wait in the outbox.
  await receiver.stop();
  const outageStarted = Date.now();
  for (let index = 0; index < 4; index++) {
    const bytes = Buffer.alloc(200_000 + index * 50_000, 10 + index);
    files.set(uploadIdOf(await upload(app.endpoint, `before-kill-${index}.bin`, bytes)), bytes);
  }
  await app.kill();
  await app.launch();
  for (let index = 0; index < 3; index++) {
    const bytes = Buffer.alloc(100_000 + index * 10_000, 20 + index);
    files.set(uploadIdOf(await upload(app.endpoint, `after-kill-${index}.bin`, bytes)), bytes);
  }
  // The outage lasts a minute, whatever the uploads took: that is the scenario, not a wait for an event.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));

  await receiver.start();
  const keys = [...files.keys()].map((id) => `post-finish.${id}`);
  await receiver.until(keys);

  // Deduplicated by key, each upload finished exactly once, with the upload tusd would describe.
  expect(receiver.badSignatures).toBe(0);
  for (const [id, bytes] of files) {
    const deliveries = receiver.deliveries.get(`post-finish.${id}`)!;
    const distinct = new Set(deliveries.map((delivery) => JSON.stringify(delivery)));
    expect(distinct.size, `post-finish of ${id}: every delivery is the same event`).toBe(1);
    const event = deliveries[0];
    expect(event.Type).toBe('post-finish');
    expect(event.Event.Upload).toMatchObject({ ID: id, Size: bytes.length, Offset: bytes.length, IsPartial: false });
    expect(event.Event.HTTPRequest.Method).toBe('PATCH');
  }
  expect([...receiver.deliveries.keys()].filter((key) => key.startsWith('post-finish.')).sort()).toEqual([...keys].sort());
  // Nothing is left waiting.
  await expect.poll(() => fs.readdirSync(path.join(work, 'outbox')), { timeout: 10_000 }).toEqual([]);
});
