import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import http from 'node:http';
import { AppServer, PROJECT_ROOT, serverForThisFile } from '../support/app-server';
import { runProcess, uploadIdOf } from '../support/clients';
import { dataFileOf, infoFileOf, storedBytes } from '../support/disk';
import { sha256, sha256OfDownload } from '../support/files';
import { createUpload, EXTENSIONS, head, headerTokens, patch, rawRequest, TUS, uploadWhole, type RawResponse } from '../support/http';

// Expiration (E-01 to E-04), done right: only unfinished uploads expire, the
// expiry slides with every accepted write, and the sweeper (in the server or
// `npm run sweep`) removes expired uploads, never a completed one.
//
// Expiry periods are a few seconds. Tests wait for the clock or for the
// server's own answers and events (expect.poll, the event log), never for a
// fixed delay; a test that must show something did NOT happen waits for an
// event that proves the sweeper ran after it could have happened.

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const MiB = 1024 * 1024;

/** A request with the wall-clock times it was sent and answered. */
async function timed(send: () => Promise<RawResponse>): Promise<{ res: RawResponse; sentAt: number; answeredAt: number }> {
  const sentAt = Date.now();
  const res = await send();
  return { res, sentAt, answeredAt: Date.now() };
}

/**
 * The Upload-Expires of a response: an IMF-fixdate exactly as RFC 9110 writes
 * it, `afterMs` after the request (to the second: the format has no
 * fractions), in the future. Returns it in ms since the epoch.
 */
function expectExpiry({ res, sentAt, answeredAt }: Awaited<ReturnType<typeof timed>>, afterMs: number): number {
  const value = String(res.headers['upload-expires']);
  expect(value).toMatch(IMF_FIXDATE);
  const at = Date.parse(value);
  expect(new Date(at).toUTCString()).toBe(value);
  expect(at).toBeGreaterThan(answeredAt);
  expect(at).toBeGreaterThanOrEqual(sentAt + afterMs - 1000);
  expect(at).toBeLessThanOrEqual(answeredAt + afterMs + 1000);
  return at;
}

/** Lets time pass until the clock is past `time` (ms since the epoch): how an expiry period elapses. */
async function clockPast(time: number): Promise<void> {
  await expect.poll(() => Date.now(), { timeout: Math.max(0, time - Date.now()) + 10_000, intervals: [50] }).toBeGreaterThan(time);
}

/** Waits until the server answers HEAD on an unfinished upload with 410: its expiry has passed. */
async function expectExpires(url: string): Promise<void> {
  await expect.poll(async () => (await head(url)).status, { timeout: 30_000, message: `${url} should expire` }).toBe(410);
}

/** An upload completed by PATCHes (not in its creation request): its info file was written before it was complete. */
async function completedByPatch(app: AppServer, data: string): Promise<string> {
  const url = await createUpload(app.endpoint, data.length);
  expect((await patch(url, 0, data.slice(0, 2))).status).toBe(204);
  expect((await patch(url, 2, data.slice(2))).status).toBe(204);
  return url;
}

/** A final upload assembled from two complete partials; returns the final's and the partials' URLs. */
async function assembledFinal(app: AppServer, first: string, second: string): Promise<{ final: string; parts: string[] }> {
  const parts: string[] = [];
  for (const data of [first, second]) {
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Concat': 'partial', 'Upload-Length': data.length, 'Content-Type': 'application/offset+octet-stream' },
      body: data,
    });
    expect(res.status, res.text).toBe(201);
    parts.push(new URL(res.headers.location ?? '', app.endpoint).href);
  }
  const res = await rawRequest(app.endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Concat': `final;${parts.map((url) => new URL(url).pathname).join(' ')}` },
  });
  expect(res.status, res.text).toBe(201);
  return { final: new URL(res.headers.location ?? '', app.endpoint).href, parts };
}

const expiredEventOf = (app: AppServer, url: string) =>
  app.events.waitFor((e) => e.type === 'expired' && e.id === uploadIdOf(url), 60_000, `the expired event of ${url}`);
const expiredEvents = (app: AppServer, url: string) => app.events.all().filter((e) => e.type === 'expired' && e.id === uploadIdOf(url));
const onDisk = (app: AppServer, url: string) => fs.existsSync(dataFileOf(app, url)) || fs.existsSync(infoFileOf(app, url));

test.describe('Upload-Expires and 410 (no sweeper)', () => {
  const EXPIRES_AFTER_MS = 4000;
  const app = serverForThisFile({ env: { UPLOAD_EXPIRES_AFTER: '4s', UPLOAD_SWEEP_INTERVAL: 'off' } });

  test('E-01 OPTIONS advertises expiration', async () => {
    const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
    expect(headerTokens(res, 'Tus-Extension')).toContain('expiration');
  });

  test('E-01 POST, PATCH and HEAD of an unfinished upload carry Upload-Expires', async () => {
    const post = await timed(() => rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 10 } }));
    expect(post.res.status).toBe(201);
    expectExpiry(post, EXPIRES_AFTER_MS);
    const url = new URL(post.res.headers.location ?? '', app.endpoint).href;
    const patched = await timed(() => patch(url, 0, 'hello'));
    expect(patched.res.status).toBe(204);
    const expires = expectExpiry(patched, EXPIRES_AFTER_MS);
    const headed = await timed(() => head(url));
    expect(headed.res.status).toBe(200);
    // HEAD does not move the expiry: it reports the one the PATCH set.
    expect(Math.abs(expectExpiry({ ...headed, sentAt: patched.sentAt }, EXPIRES_AFTER_MS) - expires)).toBeLessThanOrEqual(1000);
  });

  test('E-01 an unfinished partial upload carries Upload-Expires on POST, PATCH and HEAD too', async () => {
    const post = await timed(() =>
      rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Concat': 'partial', 'Upload-Length': 10 } }),
    );
    expect(post.res.status).toBe(201);
    expectExpiry(post, EXPIRES_AFTER_MS);
    const url = new URL(post.res.headers.location ?? '', app.endpoint).href;
    const patched = await timed(() => patch(url, 0, 'hello'));
    expect(patched.res.status).toBe(204);
    expectExpiry(patched, EXPIRES_AFTER_MS);
    const headed = await timed(() => head(url));
    expectExpiry({ ...headed, sentAt: patched.sentAt }, EXPIRES_AFTER_MS);
  });

  test('E-01 a complete upload carries no Upload-Expires: not on the POST, the completing PATCH or HEAD', async () => {
    const whole = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 5, 'Content-Type': 'application/offset+octet-stream' },
      body: 'hello',
    });
    expect(whole.status).toBe(201);
    expect(whole.headers['upload-expires']).toBeUndefined();
    const empty = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 0 } });
    expect(empty.status).toBe(201);
    expect(empty.headers['upload-expires']).toBeUndefined();
    const url = await createUpload(app.endpoint, 5);
    expect((await patch(url, 0, 'hel')).headers['upload-expires']).toBeDefined();
    const completing = await patch(url, 3, 'lo');
    expect(completing.status).toBe(204);
    expect(completing.headers['upload-expires']).toBeUndefined();
    for (const location of [whole.headers.location, empty.headers.location, url]) {
      const res = await head(new URL(location ?? '', app.endpoint).href);
      expect(res.status).toBe(200);
      expect(res.headers['upload-expires']).toBeUndefined();
    }
  });

  test('E-04 the expiry slides: an accepted PATCH pushes Upload-Expires later, and the upload outlives its first expiry', async () => {
    const created = await timed(() => rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 10 } }));
    const first = expectExpiry(created, EXPIRES_AFTER_MS);
    const url = new URL(created.res.headers.location ?? '', app.endpoint).href;

    await clockPast(created.answeredAt + (EXPIRES_AFTER_MS * 3) / 4);
    const patched = await timed(() => patch(url, 0, 'hello'));
    expect(patched.res.status).toBe(204);
    const slid = expectExpiry(patched, EXPIRES_AFTER_MS);
    expect(slid).toBeGreaterThan(first);

    // Past the first expiry, well within the new one.
    await clockPast(created.answeredAt + EXPIRES_AFTER_MS + 200);
    const alive = await head(url);
    expect(alive.status).toBe(200);
    expect(alive.headers['upload-offset']).toBe('5');
    await expectExpires(url);
  });

  test('E-02 an expired unfinished upload is 410 for HEAD and PATCH, and its bytes stay as they were', async () => {
    const url = await createUpload(app.endpoint, 10);
    expect((await patch(url, 0, 'he')).status).toBe(204);
    await expectExpires(url);
    const res = await patch(url, 2, 'llo');
    expect(res.status).toBe(410);
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(fs.readFileSync(dataFileOf(app, url), 'utf8')).toBe('he');
  });

  test('E-03 completed uploads, finals included, are still served after the expiry period', async () => {
    const inCreation = await uploadWhole(app.endpoint, Buffer.from('hello'));
    const byPatch = await completedByPatch(app, 'world');
    const { final } = await assembledFinal(app, 'con', 'cat');
    // Created after them, so when it has expired, so would they have.
    const reference = await createUpload(app.endpoint, 10);
    await expectExpires(reference);
    for (const [url, data] of [
      [inCreation, 'hello'],
      [byPatch, 'world'],
      [final, 'concat'],
    ] as const) {
      const res = await head(url);
      expect(res.status, url).toBe(200);
      expect(res.headers['upload-offset']).toBe(String(data.length));
      expect(res.headers['upload-length']).toBe(String(data.length));
      expect(res.headers['upload-expires']).toBeUndefined();
      if (url !== final) expect((await patch(url, data.length, '')).status).toBe(204);
      expect((await rawRequest(url, { method: 'GET' })).text).toBe(data);
    }
  });
});

test.describe('the sweeper in the server', () => {
  const app = serverForThisFile({ env: { UPLOAD_EXPIRES_AFTER: '2s', UPLOAD_SWEEP_INTERVAL: '1s' } });

  test('E-03 it removes expired unfinished uploads and expired partials, never a completed upload or final', async () => {
    const completed = await completedByPatch(app, 'hello');
    const { final, parts } = await assembledFinal(app, 'con', 'cat');
    const started = await createUpload(app.endpoint, 10);
    expect((await patch(started, 0, 'abc')).status).toBe(204);
    const empty = await createUpload(app.endpoint, 10);

    // The unfinished ones were created last: by the sweep that removes them, the others had expired too, had they been expirable.
    for (const url of [started, empty]) {
      await expiredEventOf(app, url);
      await expect.poll(() => onDisk(app, url), { message: `${url} should be gone from the disk` }).toBe(false);
    }
    for (const url of parts) {
      await expiredEventOf(app, url);
      await expect.poll(() => onDisk(app, url), { message: `${url} should be gone from the disk` }).toBe(false);
    }
    for (const [url, data] of [
      [completed, 'hello'],
      [final, 'concat'],
    ] as const) {
      expect(expiredEvents(app, url)).toEqual([]);
      expect(storedBytes(app, url).toString()).toBe(data);
      expect((await head(url)).status).toBe(200);
      expect((await rawRequest(url, { method: 'GET' })).text).toBe(data);
    }
  });

  test('E-04 it never removes an upload while a PATCH is writing it', async () => {
    const data = Buffer.alloc(2 * MiB, 7);
    const url = await createUpload(app.endpoint, data.length);
    const req = http.request(url, {
      method: 'PATCH',
      agent: false,
      headers: { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': data.length },
    });
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('error', reject);
    });
    req.write(data.subarray(0, MiB));
    await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadIdOf(url), 30_000, 'the PATCH to store its first bytes');

    // Created after the PATCH started: once it is swept, sweeps have run while the PATCH's upload was past its expiry.
    const reference = await createUpload(app.endpoint, 10);
    await expiredEventOf(app, reference);

    req.end(data.subarray(MiB));
    const res = await answered;
    expect(res.statusCode).toBe(204);
    expect(res.headers['upload-offset']).toBe(String(data.length));
    expect(expiredEvents(app, url)).toEqual([]);
    expect(sha256(fs.readFileSync(dataFileOf(app, url)))).toBe(sha256(data));
  });
});

test.describe('npm run sweep', () => {
  const SWEEP_LINE = /^\[sweep\] removed (\d+) expired uploads$/m;

  /** A server without its own sweeper, so only the script sweeps; stopped and removed after `body`. */
  async function withServer(expiresAfter: string, body: (app: AppServer) => Promise<void>): Promise<void> {
    const app = await AppServer.start({ env: { UPLOAD_EXPIRES_AFTER: expiresAfter, UPLOAD_SWEEP_INTERVAL: 'off' } });
    try {
      await body(app);
    } finally {
      await app.dispose();
    }
  }

  /** One run of `npm run sweep` on the server's folder and log; returns the count it printed. */
  async function sweep(app: AppServer, expiresAfter: string): Promise<number> {
    const result = await runProcess('npm', ['run', 'sweep'], {
      cwd: PROJECT_ROOT,
      env: { UPLOAD_DIR: app.uploadDir, UPLOAD_EXPIRES_AFTER: expiresAfter, UPLOAD_EVENT_LOG: app.eventLogFile },
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const line = SWEEP_LINE.exec(result.stdout);
    expect(line, result.stdout).not.toBeNull();
    return Number(line?.[1]);
  }

  test('E-03 it removes the expired unfinished uploads, says how many, logs them, and keeps completed ones', async () => {
    await withServer('2s', async (app) => {
      const completed = await completedByPatch(app, 'hello');
      const started = await createUpload(app.endpoint, 10);
      expect((await patch(started, 0, 'abc')).status).toBe(204);
      const empty = await createUpload(app.endpoint, 10);
      for (const url of [started, empty]) await expectExpires(url);

      expect(await sweep(app, '2s')).toBe(2);
      for (const url of [started, empty]) {
        expect(onDisk(app, url)).toBe(false);
        expect(expiredEvents(app, url)).toHaveLength(1);
      }
      expect(fs.readFileSync(dataFileOf(app, completed), 'utf8')).toBe('hello');
      expect((await rawRequest(completed, { method: 'GET' })).text).toBe('hello');
      expect(await sweep(app, '2s')).toBe(0);
    });
  });

  test('E-03 a finished partial a pending final needs is kept; once the final is assembled, expired partials go and the final stays', async () => {
    const AFTER_MS = 6000;
    await withServer('6s', async (app) => {
      const post = (headers: Record<string, string | number>, body?: string) =>
        rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, ...headers }, body });
      const a = new URL(
        (await post({ 'Upload-Concat': 'partial', 'Upload-Length': 3, 'Content-Type': 'application/offset+octet-stream' }, 'abc')).headers
          .location ?? '',
        app.endpoint,
      ).href;
      const aDone = Date.now();
      const b = new URL((await post({ 'Upload-Concat': 'partial', 'Upload-Length': 4 })).headers.location ?? '', app.endpoint).href;
      expect((await patch(b, 0, 'd')).status).toBe(204);
      const finalRes = await post({ 'Upload-Concat': `final;${new URL(a).pathname} ${new URL(b).pathname}` });
      expect(finalRes.status).toBe(201);
      const final = new URL(finalRes.headers.location ?? '', app.endpoint).href;

      // b keeps writing (so it never expires); a, complete, is past its expiry when the script runs.
      await clockPast(aDone + AFTER_MS / 2);
      expect((await patch(b, 1, 'e')).status).toBe(204);
      await clockPast(aDone + AFTER_MS + 1000);
      expect((await patch(b, 2, 'f')).status).toBe(204);
      expect(await sweep(app, '6s')).toBe(0);
      expect(onDisk(app, a)).toBe(true);
      expect((await head(a)).headers['upload-offset']).toBe('3');

      expect((await patch(b, 3, 'g')).status).toBe(204);
      const assembledAt = Date.now();
      expect((await head(final)).headers['upload-offset']).toBe('7');
      await clockPast(assembledAt + AFTER_MS + 1000);
      expect(await sweep(app, '6s')).toBe(2);
      for (const url of [a, b]) expect(onDisk(app, url)).toBe(false);
      expect(await sha256OfDownload(final)).toBe(sha256(Buffer.from('abcdefg')));
      expect(expiredEvents(app, final)).toEqual([]);
    });
  });
});

test.describe('UPLOAD_EXPIRES_AFTER=off', () => {
  const app = serverForThisFile({ env: { UPLOAD_EXPIRES_AFTER: 'off' } });

  test('E-01 expiration is not advertised and no response carries Upload-Expires', async () => {
    const options = await rawRequest(app.endpoint, { method: 'OPTIONS' });
    expect(headerTokens(options, 'Tus-Extension').sort()).toEqual(EXTENSIONS.filter((name) => name !== 'expiration').sort());
    const post = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 10 } });
    expect(post.status).toBe(201);
    const url = new URL(post.headers.location ?? '', app.endpoint).href;
    const patched = await patch(url, 0, 'hello');
    expect(patched.status).toBe(204);
    const headed = await head(url);
    expect(headed.status).toBe(200);
    for (const res of [post, patched, headed]) expect(res.headers['upload-expires']).toBeUndefined();
  });
});
