import { createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { PROJECT_ROOT, serverForThisFile } from '../support/app-server';
import { sha256 } from '../support/files';
import { generateRequest, requestPrng, sendRaw, sendViaAgent, type FuzzOutcome, type FuzzTargets } from '../support/fuzz';
import { createUpload, encodeMetadata, patch, rawRequest, TUS } from '../support/http';

// Issue 4, item 5: hostile input. Thousands of malformed or extreme tus
// requests, from a seeded PRNG (FUZZ_SEED=<n> replays a run), against the
// real `next start`. Afterwards the process is the same one and still
// answers, no file appeared outside the upload folder, no request was
// answered with a 5xx, and a normal upload still works byte-exact.

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.FUZZ_SEED);
const CONCURRENCY = 8;
/** A lock drain (3 s) plus margin: anything slower is a hang. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The upload folder sits four levels deep in a canary tree with a file at
 * every level: a traversal that escapes the folder lands among them, and the
 * snapshot taken after the run shows it.
 */
const CANARY = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-canary-'));
const UPLOAD_DIR = path.join(CANARY, 'l1', 'l2', 'l3', 'uploads');

const app = serverForThisFile({ env: { UPLOAD_DIR, UPLOAD_MAX_SIZE: '16MiB' } });

test.afterAll(() => fs.rmSync(CANARY, { recursive: true, force: true }));

/** Every file under a folder (relative path → sha256), skipping the folders given. */
function snapshot(root: string, skip: (relative: string) => boolean): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      if (skip(relative)) continue;
      if (entry.isDirectory()) walk(full);
      else files.set(relative, entry.isFile() ? createHash('sha256').update(fs.readFileSync(full)).digest('hex') : 'special');
    }
  };
  walk(root);
  return files;
}

/** Project files, without what builds and test runs write (and dependencies, which nothing here writes). */
function projectNames(): Set<string> {
  const skipped = new Set(['node_modules', '.next', '.git', 'test-results', 'playwright-report', 'data']);
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (skipped.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      names.add(path.relative(PROJECT_ROOT, full));
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(PROJECT_ROOT);
  return names;
}

function canaryNamesIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.toLowerCase().includes('canary') && !path.join(dir, name).startsWith(CANARY));
}

/** Uploads of every kind for the fuzzer to aim at: fresh, half-written, complete, deferred, partials. */
async function seedTargets(): Promise<FuzzTargets> {
  const uploads: string[] = [];
  const partials: string[] = [];
  const idOf = (url: string) => new URL(url).pathname.split('/').pop() ?? '';
  for (let i = 0; i < 8; i += 1) uploads.push(idOf(await createUpload(app.endpoint, 1000 + i * 500)));
  for (let i = 0; i < 4; i += 1) {
    const url = await createUpload(app.endpoint, 3000);
    expect((await patch(url, 0, randomBytes(700 * (i + 1)))).status).toBe(204);
    uploads.push(idOf(url));
  }
  for (let i = 0; i < 3; i += 1) {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
    expect(res.status).toBe(201);
    uploads.push(String(res.headers.location).split('/').pop() ?? '');
  }
  for (let i = 0; i < 4; i += 1) {
    const url = await createUpload(app.endpoint, 10, { 'Upload-Concat': 'partial' });
    if (i < 2) expect((await patch(url, 0, randomBytes(10))).status).toBe(204);
    partials.push(new URL(url).pathname);
    uploads.push(idOf(url));
  }
  return { uploads: uploads.filter((id) => id !== ''), partials };
}

test('thousands of hostile requests: no crash, no escape, no 5xx, and uploads still work', async () => {
  // 29 s on a quiet two-core machine, 85 s at load 8, 155 s at load 20 (other test runs sharing the cores).
  test.setTimeout(240_000);
  console.log(`fuzz: seed ${SEED}, ${REQUESTS} requests (replay with FUZZ_SEED=${SEED})`);

  const firstPid = (await rawRequest(app.endpoint, { method: 'OPTIONS' }).then(() => app.events.all()[0]?.pid)) ?? -1;
  fs.writeFileSync(path.join(CANARY, 'canary-top.txt'), 'top');
  for (const level of ['l1', 'l1/l2', 'l1/l2/l3']) fs.writeFileSync(path.join(CANARY, level, 'canary.txt'), level);
  const targets = await seedTargets();
  const canaryBefore = snapshot(CANARY, (relative) => relative.startsWith(path.join('l1', 'l2', 'l3', 'uploads')));
  const projectBefore = projectNames();
  const tmpCanariesBefore = canaryNamesIn(os.tmpdir());

  const counts = new Map<string, number>();
  const byKind = new Map<string, Map<string, number>>();
  const failures: string[] = [];
  /** Connections that failed before an answer: listed in the log, see the note where they are checked. */
  const resets: string[] = [];
  let keepAliveRetries = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const started = Date.now();
  let next = 0;

  const record = (
    index: number,
    kind: string,
    summary: string,
    outcome: FuzzOutcome,
    never2xx: boolean,
    framing: string,
    hasBody: boolean,
  ) => {
    const key = String(outcome.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const perKind = byKind.get(kind) ?? new Map<string, number>();
    perKind.set(key, (perKind.get(key) ?? 0) + 1);
    byKind.set(kind, perKind);
    const what = `#${index} (FUZZ_SEED=${SEED}) ${kind}: ${summary} → ${key}`;
    if (typeof outcome.status === 'number') {
      if (outcome.status >= 500) failures.push(`server error: ${what}`);
      if (never2xx && outcome.status >= 200 && outcome.status < 300) failures.push(`accepted garbage: ${what}`);
    } else if (outcome.status === 'timeout') {
      failures.push(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${what}`);
    } else if (outcome.status === 'cut' && framing !== 'cut') {
      failures.push(`connection closed without an answer: ${what}`);
    } else if (outcome.status === 'reset') {
      resets.push(`${what} (${outcome.error})`);
      // A request whose body the server refuses unread is answered and the connection closed;
      // the bytes still in flight make the kernel reset it, which may overtake the answer.
      // A request without a body has no such excuse.
      if (!hasBody) failures.push(`connection reset without an answer: ${what} (${outcome.error})`);
    }
  };

  const worker = async () => {
    for (let index = next++; index < REQUESTS; index = next++) {
      const request = generateRequest(requestPrng(SEED, index), targets);
      const summary = `${request.method} ${JSON.stringify(request.path.toString('latin1').slice(0, 60))} ${request.headers
        .map(([name, value]) => `${name}: ${JSON.stringify(value.toString('latin1').slice(0, 40))}`)
        .join(', ')} body ${request.body.length} (${request.framing})`;
      let outcome = request.viaAgent
        ? await sendViaAgent(agent, app.port, request, REQUEST_TIMEOUT_MS)
        : await sendRaw(app.port, request, REQUEST_TIMEOUT_MS);
      if (outcome.status === 'reset' && outcome.error.endsWith('on a reused socket')) {
        // Keep-alive's own race (RFC 9112, 9.3.1): the server closed an idle connection as
        // this request went out on it. Clients retry on a fresh one, and so does this test.
        keepAliveRetries += 1;
        outcome = await sendViaAgent(false, app.port, request, REQUEST_TIMEOUT_MS);
      }
      record(index, request.kind, summary, outcome, request.never2xx, request.framing, request.body.length > 0);
      // Uploads the fuzzer created become targets too (bounded, so the pool stays hot).
      if (outcome.status === 201 && 'location' in outcome && outcome.location && targets.uploads.length < 200) {
        const id = outcome.location.split('/').pop();
        if (id) targets.uploads.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  agent.destroy();
  const seconds = (Date.now() - started) / 1000;

  const table = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}: ${n}`);
  console.log(
    `fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s (${Math.round(REQUESTS / seconds)}/s); by status: ${table.join(', ')}`,
  );
  for (const [kind, perKind] of [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`fuzz:   ${kind}: ${[...perKind.entries()].map(([status, n]) => `${status}×${n}`).join(' ')}`);
  }
  console.log(`fuzz: ${keepAliveRetries} request(s) resent on a fresh connection after a keep-alive race`);
  for (const reset of resets.slice(0, 30)) console.log(`fuzz: reset ${reset}`);
  expect(failures.slice(0, 20), `${failures.length} failures; seed ${SEED}`).toEqual([]);

  // The same process, still answering.
  expect(app.running).toBe(true);
  const options = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  expect(options.status).toBe(204);
  const pids = new Set(app.events.all().map((event) => event.pid));
  expect([...pids]).toEqual([firstPid]);
  // The server's own account agrees: no request was answered with a 5xx.
  const serverErrors = app.events.all().filter((event) => event.type === 'request' && (event.status ?? 0) >= 500);
  expect(serverErrors).toEqual([]);

  // Nothing escaped the upload folder: the canary tree is byte-identical, no new
  // project file, no "canary" appeared in the temporary folder.
  const canaryAfter = snapshot(CANARY, (relative) => relative.startsWith(path.join('l1', 'l2', 'l3', 'uploads')));
  expect(canaryAfter).toEqual(canaryBefore);
  expect([...projectNames()].filter((name) => !projectBefore.has(name))).toEqual([]);
  expect(canaryNamesIn(os.tmpdir())).toEqual(tmpCanariesBefore);
  // Inside the folder, every file is an upload's (data, info, pending-final marker) or a dotted work file.
  const strays = fs
    .readdirSync(UPLOAD_DIR)
    .filter((name) => !/^(?:[0-9a-f]{32}(?:\.json|\.pending)?|\.[A-Za-z0-9_-]+\.[0-9a-f]+\.(?:chunk|assembling))$/.test(name));
  expect(strays).toEqual([]);

  // A normal upload still works, byte-exact, in two PATCHes.
  const data = randomBytes(3 * 2 ** 20 + 11);
  const url = await createUpload(app.endpoint, data.length, { 'Upload-Metadata': encodeMetadata({ filename: 'after-fuzz.bin' }) });
  expect((await patch(url, 0, data.subarray(0, 2 ** 20))).status).toBe(204);
  const second = await patch(url, 2 ** 20, data.subarray(2 ** 20));
  expect(second.status).toBe(204);
  expect(second.headers['upload-offset']).toBe(String(data.length));
  const download = await rawRequest(url, { method: 'GET' });
  expect(download.status).toBe(200);
  expect(sha256(download.body)).toBe(sha256(data));
  expect((await rawRequest(url, { method: 'HEAD', headers: TUS })).headers['upload-offset']).toBe(String(data.length));
});

// What earlier runs of the fuzzer found, pinned so they cannot come back unnoticed.

test('TRACE, which Next.js cannot turn into a Request, is 405 rather than 500', async () => {
  const url = await createUpload(app.endpoint, 10);
  for (const target of [app.endpoint, url, `${app.baseUrl}/`]) {
    const res = await rawRequest(target, { method: 'TRACE', headers: TUS });
    expect(res.status, target).toBe(405);
    expect(res.headers.allow).toContain('PATCH');
  }
  expect(app.running).toBe(true);
});

test('a TRACE that comes with a body is answered 405 and its connection closed, never reused', async () => {
  // Kept alive, such a connection got the next request on it reset under load (seed 1926571596, about 1 run in 2 at load 5).
  const agent = new http.Agent({ keepAlive: true });
  try {
    const { status, connection } = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = http.request(app.endpoint, { method: 'TRACE', agent, headers: { ...TUS, 'Content-Length': '5000' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.end(Buffer.alloc(5000, 1));
    });
    expect(status).toBe(405);
    expect(connection).toBe('close');
  } finally {
    agent.destroy();
  }
});

test('a POST to an upload URL or a malformed one creates nothing: 405', async () => {
  const url = await createUpload(app.endpoint, 10);
  const files = fs.readdirSync(UPLOAD_DIR).sort();
  for (const target of [url, `${app.endpoint}/..%2F..%2Fcanary`, `${app.endpoint}/a%2Fb`, `${app.endpoint}/${'c'.repeat(300)}`]) {
    const res = await rawRequest(target, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 5, 'Content-Type': 'application/offset+octet-stream' },
      body: 'owned',
    });
    expect(res.status, target).toBe(405);
    expect(res.headers.location, target).toBeUndefined();
  }
  expect(fs.readdirSync(UPLOAD_DIR).sort()).toEqual(files);
  // A POST that overrides its method is that method, on its upload URL as before.
  const res = await rawRequest(url, { method: 'POST', headers: { ...TUS, 'X-HTTP-Method-Override': 'HEAD' } });
  expect(res.status).toBe(200);
  expect(res.headers['upload-offset']).toBe('0');
});
