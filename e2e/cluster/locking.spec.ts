import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { requestsOf, uploadIdOf, waitForRequests } from '../support/clients';
import { clusterForThisFile, type ClusterInstance } from '../support/cluster';
import { randomFile, sha256, sha256OfDownload } from '../support/files';
import { createUpload, patch, rawRequest, TUS } from '../support/http';
import { OpenPatch } from '../support/open-patch';
import { stallingHttpStack, uploadToEnd } from '../support/tus-js-client';

// Issue 6, item 4: one upload, two instances, one writer at a time. The lock
// is in Redis: a request on one instance that wants an upload another
// instance is writing asks that instance (pub/sub) to store what it has and
// let go, and a crashed holder's lease expires within seconds. Every test
// checks the instances' write spans (the event log's `write` lines, logged
// under the lock): across both instances, no two writes of an upload overlap
// in time.

const cluster = clusterForThisFile();
const MiB = 1024 * 1024;

/** @tus/server's lock drain (3 s) plus the cross-instance release; the rest is margin for a loaded two-core machine. */
const RESUME_BOUND_MS = 12_000;
/** Lock lease (6 s) + tus-js-client's retry delays + nginx skipping the dead instance; margin as above. */
const TAKEOVER_BOUND_MS = 25_000;

interface Span {
  instance: string;
  offset: number;
  start: number;
  end: number;
}

/** Every write into an upload on every instance, by start time. */
function writeSpans(id: string): Span[] {
  return cluster.instances
    .flatMap((instance) =>
      instance.events
        .all()
        .filter((event) => event.type === 'write' && event.id === id)
        .map((event) => ({
          instance: instance.name,
          offset: event.offset!,
          start: Date.parse(event.startedAt!),
          end: Date.parse(event.endedAt!),
        })),
    )
    .sort((x, y) => x.start - y.start || x.end - y.end);
}

/** Pairs of writes of one upload that were running at the same moment (none, when the lock holds). */
function overlappingWrites(id: string): string[] {
  const spans = writeSpans(id);
  const overlaps: string[] = [];
  for (const [i, span] of spans.entries()) {
    for (const later of spans.slice(i + 1)) {
      if (later.start >= span.end) break;
      overlaps.push(`${JSON.stringify(span)} overlaps ${JSON.stringify(later)}`);
    }
  }
  return overlaps;
}

/** A promise that must settle within `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function urlOn(instance: ClusterInstance, id: string): string {
  return `${instance.endpoint}/${id}`;
}

test('a PATCH stalled on instance A (half-open) and a tus-js-client resume through instance B: resumed within seconds, byte-exact', async () => {
  const [a, b] = cluster.instances;
  const data = randomBytes(6 * MiB + 3);
  const id = uploadIdOf(await createUpload(cluster.endpoint, data.length));
  const sent = 2 * MiB + 17;

  // A client sends the head and part of the body to A, then goes silent with its socket open.
  const stalled = new OpenPatch(urlOn(a, id), 0, data.length);
  stalled.write(data.subarray(0, sent));
  await a.events.waitFor((e) => e.type === 'progress' && e.id === id && e.offset === sent, 30_000, `A receiving ${sent} bytes`);

  // The same client comes back through B: HEAD for the offset, then PATCH the rest.
  const started = Date.now();
  const upload = new tus.Upload(data, { endpoint: b.endpoint, uploadUrl: urlOn(b, id), retryDelays: null });
  await uploadToEnd(upload);
  const resumeMs = Date.now() - started;
  console.log(`stalled on A, resumed through B: complete after ${resumeMs} ms`);
  expect(resumeMs).toBeLessThan(RESUME_BOUND_MS);

  // A was told to let go: it stored what it had received and answered, rather than hang or keep writing.
  const cut = await within(RESUME_BOUND_MS, stalled.answer, 'the answer to the stalled PATCH on A');
  expect(cut.status).toBe(204);
  expect(cut.headers['upload-offset']).toBe(String(sent));
  // B's HEAD saw exactly those bytes, and B wrote the rest. A request is logged once answered, which the
  // client may see first: wait for both lines rather than read the log at once.
  await waitForRequests(b, 'HEAD', id, 1, 10_000);
  await waitForRequests(b, 'PATCH', id, 1, 10_000);
  const heads = requestsOf(b, { method: 'HEAD', id });
  expect(heads.map((e) => [e.status, e.responseOffset])).toEqual([[200, sent]]);
  expect(requestsOf(b, { method: 'PATCH', id }).map((e) => [e.status, e.requestOffset])).toEqual([[204, sent]]);
  // The stalled client's late bytes change nothing.
  stalled.write(randomBytes(64 * 1024));
  stalled.close();

  expect(overlappingWrites(id)).toEqual([]);
  expect(await sha256OfDownload(`${cluster.endpoint}/${id}`)).toBe(sha256(data));
});

for (const [round, size] of [MiB, 3 * MiB + 5, 7 * MiB + 1].entries()) {
  test(`two PATCHes at once, one on each instance (${size} bytes, round ${round + 1}): one writer at a time, the bytes of exactly one`, async () => {
    const [a, b] = cluster.instances;
    const id = uploadIdOf(await createUpload(cluster.endpoint, size));
    const bodies = [randomBytes(size), randomBytes(size)];
    const patches = [new OpenPatch(urlOn(a, id), 0, size), new OpenPatch(urlOn(b, id), 0, size)];
    // Both bodies paced like slow clients (64 KiB per socket every 10 ms), so both requests are in flight together:
    // without the shared lock both instances would be writing at once.
    const piece = 64 * 1024;
    for (let at = 0; at < size; at += piece) {
      for (const [i, body] of bodies.entries()) patches[i].write(body.subarray(at, at + piece));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const answers = await within(RESUME_BOUND_MS, Promise.all(patches.map((p) => p.answer)), 'both answers');
    for (const p of patches) p.close();
    const described = answers
      .map((answer, i) => `${cluster.instances[i].name}: ${answer.status} offset ${answer.headers['upload-offset']}`)
      .join(', ');

    // The winner is the 204 that stored the most (the other may have been told to let go before it stored anything).
    const offsets = answers.map((answer) => (answer.status === 204 ? Number(answer.headers['upload-offset']) : -1));
    const winner = offsets[0] >= offsets[1] ? 0 : 1;
    const stored = offsets[winner];
    const loser = answers[1 - winner];
    expect(stored, described).toBeGreaterThan(0);
    if (loser.status === 204) expect(loser.headers['upload-offset'], described).toBe('0');
    else expect(loser.status, described).toBe(409);
    expect(overlappingWrites(id), described).toEqual([]);

    // What is stored is a prefix of the winner's body, never a mix: complete it with the rest of that body.
    if (stored < size) expect((await patch(urlOn(b, id), stored, bodies[winner].subarray(stored))).status).toBe(204);
    expect(await sha256OfDownload(`${cluster.endpoint}/${id}`), described).toBe(sha256(bodies[winner]));
  });
}

test('eight PATCHes each met by a PATCH on the other instance while they write: never two writes at once, byte-exact', async () => {
  const chunk = 512 * 1024;
  // Whole chunks: the leader's half must still be a PATCH in progress, which a short last chunk would not be.
  const data = randomBytes(8 * chunk);
  const id = uploadIdOf(await createUpload(cluster.endpoint, data.length));
  const half = chunk / 2;
  let offset = 0;
  let round = 0;
  // Round by round the instances take turns: the leader's PATCH is half sent (it holds the lock and writes) when
  // the follower's PATCH of the same bytes goes to the other instance; the leader's rest follows slowly (about
  // 0.8 s, a slow client), so the follower's request is there while the leader is still writing.
  while (offset < data.length) {
    const [leader, follower] = round % 2 === 0 ? cluster.instances : [cluster.instances[1], cluster.instances[0]];
    const start = offset;
    const body = data.subarray(start, start + chunk);
    const leading = new OpenPatch(urlOn(leader, id), start, body.length);
    leading.write(body.subarray(0, half));
    const halfway = start + half;
    await leader.events.waitFor((e) => e.type === 'progress' && e.id === id && e.offset === halfway, 30_000, `${leader.name} writing`);
    const following = patch(urlOn(follower, id), start, body);
    for (let at = half; at < chunk; at += 16 * 1024) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      leading.write(body.subarray(at, at + 16 * 1024));
    }
    const [led, followed] = await within(RESUME_BOUND_MS, Promise.all([leading.answer, following]), `round ${round} answers`);
    leading.close();
    const described = `round ${round}: ${leader.name} ${led.status} ${led.headers['upload-offset']}, ${follower.name} ${followed.status} ${followed.headers['upload-offset']}`;
    // The leader stored its bytes; the follower waited for the lock and then found the offset moved. Had it written
    // without the lock, it would have answered 204 while the leader was still writing.
    expect(led.status, described).toBe(204);
    expect(followed.status, described).toBe(409);
    expect(followed.headers['upload-offset'], described).toBe(led.headers['upload-offset']);
    expect(overlappingWrites(id), described).toEqual([]);
    offset = Number(led.headers['upload-offset']);
    expect(offset, described).toBeGreaterThan(start);
    round += 1;
  }

  const spans = writeSpans(id);
  console.log(`${round} rounds: ${spans.length} writes (${spans.filter((s) => s.instance === 'app1').length} on app1)`);
  expect(spans.filter((s) => s.instance === 'app1').length).toBeGreaterThan(0);
  expect(spans.filter((s) => s.instance === 'app2').length).toBeGreaterThan(0);
  expect(overlappingWrites(id)).toEqual([]);
  expect(await sha256OfDownload(`${cluster.endpoint}/${id}`)).toBe(sha256(data));
});

test('SIGKILL of the instance holding the lock mid-PATCH: the upload resumes on the other within seconds, byte-exact', async () => {
  const file = randomFile('big.bin', 12 * MiB + 7);
  const data = fs.readFileSync(file);
  const stallAt = 5 * MiB + 3;
  let firstPatch = true;
  // The first PATCH stalls mid-body with its connection open: the instance that got it holds the lock.
  const httpStack = stallingHttpStack(() => {
    if (!firstPatch) return null;
    firstPatch = false;
    return stallAt;
  });
  let created: (url: string) => void = () => undefined;
  const urlAvailable = new Promise<string>((resolve) => (created = resolve));
  // A file source: the stalling stack needs the body as a stream.
  const upload = new tus.Upload(fs.createReadStream(file), {
    endpoint: cluster.endpoint,
    httpStack,
    retryDelays: [0, 1000, 2000, 3000, 5000, 5000],
    onUploadUrlAvailable: () => created(upload.url!),
  });
  const done = uploadToEnd(upload);
  done.catch(() => undefined);

  const id = uploadIdOf(await urlAvailable);
  // Whichever instance nginx gave the PATCH reports the bytes it received.
  const holder = await Promise.any(
    cluster.instances.map(async (instance) => {
      await instance.events.waitFor((e) => e.type === 'progress' && e.id === id && e.offset === stallAt, 30_000, 'the stalled PATCH');
      return instance;
    }),
  );
  const other = cluster.instances.find((instance) => instance !== holder)!;

  const killedAt = Date.now();
  await holder.kill();
  await done;
  const takeoverMs = Date.now() - killedAt;
  console.log(`holder ${holder.name} SIGKILLed mid-PATCH: upload complete on ${other.name} ${takeoverMs} ms later`);
  expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);

  // The other instance finished it.
  expect(other.events.all().some((e) => e.type === 'finished' && e.id === id)).toBe(true);
  expect(overlappingWrites(id)).toEqual([]);
  expect(await sha256OfDownload(`${cluster.endpoint}/${id}`)).toBe(sha256(data));

  // Back for the next test file's sake, and to show a restarted instance serves the upload.
  await holder.start();
  const head = await rawRequest(urlOn(holder, id), { method: 'HEAD', headers: TUS });
  expect(head.headers['upload-offset']).toBe(String(data.length));
});
