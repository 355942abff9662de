import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { clusterForThisFile } from '../support/cluster';
import { sha256, sha256OfDownload } from '../support/files';
import { createUpload, patch, rawRequest, TUS, type RawResponse } from '../support/http';
import { uploadToEnd } from '../support/tus-js-client';

// Issue 6, item 4: Redis (locks, the store's cache) and Ceph RGW (the bytes)
// go away in the middle of uploads and come back. While one is down, every
// request that needs it gets a clear error at once: a 5xx with a stable
// ERR_* code, never a hang and never a 2xx that would claim bytes were stored.
// Once it is back, the uploads resume and complete byte-exact.

const cluster = clusterForThisFile();
const MiB = 1024 * 1024;

/** Longest a refusal may take while an engine is down: clients need an answer, not a hang. */
const ANSWER_BOUND_MS = 15_000;

/** One tus-js-client exchange: when it was sent, what came back and when. */
interface Exchange {
  method: string;
  sentAt: number;
  answeredAt: number;
  status: number;
  body: string;
}

/**
 * A tus-js-client upload through nginx in 1 MiB PATCHes whose requests can be
 * held back (`hold()` … `release()`) so an engine can be stopped between two
 * of them, and whose exchanges are recorded.
 */
class ObservedUpload {
  readonly exchanges: Exchange[] = [];
  readonly done: Promise<void>;
  private readonly upload: tus.Upload;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  private readonly sent = new Map<tus.HttpRequest, number>();
  private readonly answerListeners = new Set<() => void>();

  constructor(
    readonly data: Buffer,
    holdAfterChunks: number,
    onHeld: () => void,
  ) {
    let chunks = 0;
    this.upload = new tus.Upload(data, {
      endpoint: cluster.endpoint,
      chunkSize: MiB,
      // About 40 s of retries: longer than an engine restart on a loaded machine.
      retryDelays: [0, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000, 5000, 5000],
      onBeforeRequest: async (req) => {
        await this.gate;
        this.sent.set(req, Date.now());
      },
      onAfterResponse: (req, res) => {
        this.exchanges.push({
          method: req.getMethod(),
          sentAt: this.sent.get(req) ?? Date.now(),
          answeredAt: Date.now(),
          status: res.getStatus(),
          body: res.getBody() ?? '',
        });
        for (const listener of this.answerListeners) listener();
      },
      onChunkComplete: () => {
        chunks += 1;
        if (chunks === holdAfterChunks) {
          this.gate = new Promise((resolve) => (this.open = resolve));
          onHeld();
        }
      },
    });
    this.done = uploadToEnd(this.upload);
    this.done.catch(() => undefined);
  }

  /** The upload's URL (through nginx), once it was created. */
  get url(): string {
    if (!this.upload.url) throw new Error('the upload was not created');
    return this.upload.url;
  }

  release(): void {
    this.open();
  }

  /** Resolves once `count` answers arrived after `since` that match. */
  answersAfter(since: number, count: number, match: (exchange: Exchange) => boolean): Promise<Exchange[]> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.exchanges.filter((e) => e.sentAt >= since && match(e));
        if (found.length < count) return;
        this.answerListeners.delete(check);
        resolve(found);
      };
      this.answerListeners.add(check);
      check();
    });
  }
}

/** A request that must be answered within the bound; fails the test if it hangs. */
async function answered(what: string, request: Promise<RawResponse>): Promise<RawResponse & { ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ANSWER_BOUND_MS} ms`)), ANSWER_BOUND_MS);
  });
  try {
    const response = await Promise.race([request, hang]);
    return { ...response, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** While an engine is down: a creation, a HEAD and a PATCH on each instance get a clear 5xx, quickly. */
async function expectClearRefusals(engine: string, uploadUrl: string, offset: number): Promise<string[]> {
  const id = new URL(uploadUrl).pathname.split('/').pop()!;
  const seen: string[] = [];
  for (const instance of cluster.instances) {
    const url = `${instance.endpoint}/${id}`;
    const answers = {
      POST: await answered(
        `POST on ${instance.name}`,
        rawRequest(instance.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 10 } }),
      ),
      HEAD: await answered(`HEAD on ${instance.name}`, rawRequest(url, { method: 'HEAD', headers: TUS })),
      PATCH: await answered(`PATCH on ${instance.name}`, patch(url, offset, randomBytes(64 * 1024))),
    };
    for (const [method, answer] of Object.entries(answers)) {
      const line = `${engine} down: ${method} on ${instance.name} → ${answer.status} ${answer.text.split(':')[0]} in ${answer.ms} ms`;
      seen.push(line);
      // HEAD says 423, because tus clients start a new upload after any other refused HEAD.
      if (method === 'HEAD') expect(answer.status, line).toBe(423);
      else expect(answer.status, line).toBeGreaterThanOrEqual(500);
      if (method !== 'HEAD') expect(answer.text, line).toMatch(/^ERR_[A-Z_]+: /);
    }
  }
  return seen;
}

/** Uploads tus-js-client created for its one file, per engine restarted (1 = it resumed its upload). */
const creations = new Map<string, number>();

for (const engine of ['Redis', 'Ceph RGW'] as const) {
  test(`a ${engine} restart during uploads: clear 5xx and no 2xx while it is down, then they complete byte-exact, a half-done one from its offset`, async () => {
    test.setTimeout(240_000);
    const data = randomBytes(12 * MiB + 13);
    // A second upload, half done before the outage, that a raw client finishes afterwards.
    const other = randomBytes(3 * MiB);
    const otherUrl = await createUpload(cluster.endpoint, other.length);
    expect((await patch(otherUrl, 0, other.subarray(0, MiB))).status).toBe(204);

    let held: () => void = () => undefined;
    const heldNow = new Promise<void>((resolve) => (held = resolve));
    const upload = new ObservedUpload(data, 3, held);
    await heldNow;

    if (engine === 'Redis') await cluster.stopRedis();
    else await cluster.stopCeph();
    const downSince = Date.now();
    let restartBegan = Infinity;
    try {
      console.log((await expectClearRefusals(engine, otherUrl, MiB)).join('\n'));
      // The held upload's next requests meet the outage too, and tus-js-client keeps retrying.
      upload.release();
      const refused = await upload.answersAfter(downSince, 2, (e) => e.status >= 500 || e.status === 423);
      for (const e of refused) expect(e.answeredAt - e.sentAt, `${e.method} ${e.status}`).toBeLessThan(ANSWER_BOUND_MS);
    } finally {
      restartBegan = Date.now();
      if (engine === 'Redis') await cluster.startRedis();
      else await cluster.startCeph();
    }
    const upSince = Date.now();

    // Nothing answered before the engine was started again was a success.
    const during = upload.exchanges.filter((e) => e.sentAt >= downSince && e.answeredAt < restartBegan);
    expect(
      during.filter((e) => e.status < 300),
      during.map((e) => `${e.method} ${e.status} ${e.body}`).join('\n'),
    ).toEqual([]);

    await upload.done;
    console.log(`${engine} back: upload complete ${Date.now() - upSince} ms later`);
    const last = upload.exchanges[upload.exchanges.length - 1];
    expect(last.status).toBe(204);
    expect(await sha256OfDownload(upload.url)).toBe(sha256(data));
    creations.set(engine, upload.exchanges.filter((e) => e.method === 'POST' && e.status === 201).length);
    console.log(`${engine}: tus-js-client created ${creations.get(engine)} upload(s) for its one file`);

    // The upload made before the outage resumes from where the server says it stands.
    const head = await rawRequest(otherUrl, { method: 'HEAD', headers: TUS });
    expect(head.status, head.text).toBe(200);
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBe(MiB);
    expect((await patch(otherUrl, offset, other.subarray(offset))).status).toBe(204);
    expect(await sha256OfDownload(otherUrl)).toBe(sha256(other));
  });
}

// While Redis or storage is down, HEAD is answered 423 (tus/errors.ts unavailableAsLocked): tus-js-client
// (and so the dashboard's Uppy) retries a 423 HEAD, but takes any other refusal as "this upload is gone"
// and would create a new upload, sending the file again from byte 0.
test('after an outage, tus-js-client continues the upload it had rather than creating a new one', () => {
  expect([...creations.entries()]).toEqual([
    ['Redis', 1],
    ['Ceph RGW', 1],
  ]);
});
