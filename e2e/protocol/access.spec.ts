import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import { issueUploadToken } from '../../tus/access-tokens';
import type { CompletedUpload } from '../../tus/catalog';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf, waitForStoredBytes } from '../support/clients';
import { sha256 } from '../support/files';
import { encodeMetadata, rawRequest, TUS, type RawResponse } from '../support/http';

// Access control (UPLOAD_TOKEN_SECRET): every request but OPTIONS needs a
// valid upload token, and an upload is visible only to the subject that
// created it; to anyone else it is exactly as absent as an unknown id (404).

const SECRET = 'access-spec-secret-0123456789abcdef0123';
const HOUR = 3_600_000;

const app = serverForThisFile({ env: { UPLOAD_TOKEN_SECRET: SECRET } });

const tokenOf = (subject: string) => issueUploadToken(SECRET, subject, HOUR);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const ALICE = bearer(tokenOf('alice'));
const BOB = bearer(tokenOf('bob'));

/** A complete upload of `data` made by `as` (creation-with-upload); returns its absolute URL. */
async function uploadAs(as: Record<string, string>, data: Buffer, extra: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(app.endpoint, {
    method: 'POST',
    headers: {
      ...TUS,
      ...as,
      'Upload-Length': data.length,
      'Upload-Metadata': encodeMetadata({ filename: 'secret.txt', filetype: 'text/plain' }),
      'Content-Type': 'application/offset+octet-stream',
      ...extra,
    },
    body: data,
  });
  expect(res.status, res.text).toBe(201);
  return new URL(res.headers.location ?? '', app.endpoint).href;
}

/** An unfinished upload of `length` bytes made by `as`; returns its absolute URL. */
async function createAs(as: Record<string, string>, length: number, extra: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, ...as, 'Upload-Length': length, ...extra } });
  expect(res.status, res.text).toBe(201);
  return new URL(res.headers.location ?? '', app.endpoint).href;
}

const patchAs = (as: Record<string, string>, url: string, offset: number, body: Buffer | string) =>
  rawRequest(url, {
    method: 'PATCH',
    headers: { ...TUS, ...as, 'Upload-Offset': offset, 'Content-Type': 'application/offset+octet-stream' },
    body,
  });

async function listAs(as: Record<string, string>): Promise<CompletedUpload[]> {
  const res = await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET', headers: as });
  expect(res.status, res.text).toBe(200);
  return (JSON.parse(res.text) as { uploads: CompletedUpload[] }).uploads;
}

function expectUnauthorized(res: RawResponse, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(401);
  expect(res.headers['www-authenticate'], what).toMatch(/^Bearer\b/);
  if (res.text !== '') expect(res.text, what).toMatch(/^ERR_UNAUTHORIZED: /);
}

test('OPTIONS (discovery, CORS preflight) needs no token', async () => {
  const res = await rawRequest(app.endpoint, { method: 'OPTIONS', headers: { Origin: 'https://elsewhere.example' } });
  expect(res.status).toBe(204);
  expect(res.headers['tus-version']).toBe('1.0.0');
  expect(res.headers['access-control-allow-headers']).toMatch(/\bAuthorization\b/);
  expect(res.headers['access-control-allow-credentials'], 'no credentials support unless configured').toBeUndefined();
});

test('every other method, and the listing, without a valid token is 401 with WWW-Authenticate: Bearer', async () => {
  const url = await uploadAs(ALICE, Buffer.from('only for alice'));
  const [payload] = tokenOf('alice').split('.');
  const credentials: Record<string, Record<string, string>> = {
    'no token': {},
    'a bad signature': bearer(issueUploadToken(`${SECRET}-but-another-one`, 'alice', HOUR)),
    'a forged payload': bearer(`${payload}.${randomBytes(32).toString('base64url')}`),
    'an expired token': bearer(issueUploadToken(SECRET, 'alice', 1000, Date.now() - 10_000)),
    'an expired cookie': { Cookie: `upload_token=${issueUploadToken(SECRET, 'alice', 1000, Date.now() - 10_000)}` },
    'not a token': bearer('garbage'),
    'another scheme': { Authorization: `Basic ${Buffer.from('alice:x').toString('base64')}` },
  };
  for (const [what, as] of Object.entries(credentials)) {
    expectUnauthorized(
      await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, ...as, 'Upload-Length': 5 } }),
      `POST with ${what}`,
    );
    expectUnauthorized(await rawRequest(url, { method: 'HEAD', headers: { ...TUS, ...as } }), `HEAD with ${what}`);
    expectUnauthorized(await patchAs(as, url, 0, 'x'), `PATCH with ${what}`);
    expectUnauthorized(await rawRequest(url, { method: 'DELETE', headers: { ...TUS, ...as } }), `DELETE with ${what}`);
    expectUnauthorized(await rawRequest(url, { method: 'GET', headers: as }), `GET with ${what}`);
    expectUnauthorized(await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET', headers: as }), `/api/uploads with ${what}`);
  }
  // Nothing above was created or changed: alice's upload is as it was.
  const still = await rawRequest(url, { method: 'GET', headers: ALICE });
  expect(still.text).toBe('only for alice');
  expect((await listAs(ALICE)).filter((upload) => upload.url.endsWith(new URL(url).pathname.split('/').pop() ?? ''))).toHaveLength(1);
});

test("alice's upload is 404 to bob for HEAD, PATCH, DELETE and GET, and absent from his list; alice can do everything", async () => {
  const data = randomBytes(64 * 1024);
  const done = await uploadAs(ALICE, data);
  const unfinished = await createAs(ALICE, 10);
  const unknown = `${app.endpoint}/${randomBytes(16).toString('hex')}`;

  // Exactly what an id that does not exist gets: nothing tells bob these uploads exist.
  const absent = await rawRequest(unknown, { method: 'HEAD', headers: { ...TUS, ...BOB } });
  expect(absent.status).toBe(404);
  for (const url of [done, unfinished]) {
    const probe = await rawRequest(url, { method: 'HEAD', headers: { ...TUS, ...BOB } });
    expect(probe.status, 'HEAD').toBe(404);
    expect(probe.headers['upload-offset']).toBeUndefined();
    expect(probe.headers['upload-metadata']).toBeUndefined();
    const patched = await patchAs(BOB, url, url === done ? data.length : 0, 'bob');
    expect(patched.status, 'PATCH').toBe(404);
    const deleted = await rawRequest(url, { method: 'DELETE', headers: { ...TUS, ...BOB } });
    expect(deleted.status, 'DELETE').toBe(404);
    expect(deleted.text).toBe((await rawRequest(unknown, { method: 'DELETE', headers: { ...TUS, ...BOB } })).text);
  }
  const download = await rawRequest(done, { method: 'GET', headers: BOB });
  expect(download.status, 'GET').toBe(404);
  expect(download.text).toBe((await rawRequest(unknown, { method: 'GET', headers: BOB })).text);
  expect(await listAs(BOB)).toEqual([]);

  // Bob's own upload is his alone, and alice does not see it either.
  const bobs = await uploadAs(BOB, Buffer.from('bob was here'));
  expect((await listAs(BOB)).map((upload) => upload.url)).toEqual([new URL(bobs).pathname]);
  expect((await listAs(ALICE)).map((upload) => upload.url)).not.toContain(new URL(bobs).pathname);

  // Alice: HEAD, PATCH to the end, GET byte-exact, listed, DELETE.
  const headed = await rawRequest(unfinished, { method: 'HEAD', headers: { ...TUS, ...ALICE } });
  expect(headed.status).toBe(200);
  expect(headed.headers['upload-offset']).toBe('0');
  expect((await patchAs(ALICE, unfinished, 0, '0123456789')).status).toBe(204);
  const got = await rawRequest(done, { method: 'GET', headers: ALICE });
  expect(got.status).toBe(200);
  expect(sha256(got.body)).toBe(sha256(data));
  const listed = (await listAs(ALICE)).map((upload) => upload.url);
  expect(listed).toEqual(expect.arrayContaining([new URL(done).pathname, new URL(unfinished).pathname]));
  for (const url of [done, unfinished]) {
    expect((await rawRequest(url, { method: 'DELETE', headers: { ...TUS, ...ALICE } })).status).toBe(204);
    expect((await rawRequest(url, { method: 'HEAD', headers: { ...TUS, ...ALICE } })).status).toBe(404);
  }
});

test("bob cannot use alice's partial upload in a final (404, nothing created); alice can", async () => {
  const part = await createAs(ALICE, 4, { 'Upload-Concat': 'partial' });
  expect((await patchAs(ALICE, part, 0, 'abcd')).status).toBe(204);
  const before = await listAs(BOB);
  const stolen = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, ...BOB, 'Upload-Concat': `final;${part}` } });
  expect(stolen.status, stolen.text).toBe(404);
  expect(stolen.headers.location).toBeUndefined();
  expect(await listAs(BOB)).toEqual(before);
  // The same answer as for a partial that does not exist (but for the id it names).
  const unknownId = randomBytes(16).toString('hex');
  const missing = await rawRequest(app.endpoint, {
    method: 'POST',
    headers: { ...TUS, ...BOB, 'Upload-Concat': `final;${app.endpoint}/${unknownId}` },
  });
  expect(stolen.text.replace(new URL(part).pathname.split('/').pop() ?? '', 'ID')).toBe(missing.text.replace(unknownId, 'ID'));

  const final = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, ...ALICE, 'Upload-Concat': `final;${part} ${part}` } });
  expect(final.status, final.text).toBe(201);
  const url = new URL(final.headers.location ?? '', app.endpoint).href;
  expect((await rawRequest(url, { method: 'GET', headers: ALICE })).text).toBe('abcdabcd');
  expect((await rawRequest(url, { method: 'GET', headers: BOB })).status).toBe(404);
});

test('the upload_token cookie is a credential too: it downloads, lists and resumes', async () => {
  const cookie = { Cookie: `lang=en; upload_token=${tokenOf('carol')}` };
  const url = await createAs(cookie, 6);
  expect((await patchAs(cookie, url, 0, 'cookie')).status).toBe(204);
  const download = await rawRequest(url, { method: 'GET', headers: cookie });
  expect(download.status).toBe(200);
  expect(download.text).toBe('cookie');
  expect((await listAs(cookie)).map((upload) => upload.url)).toEqual([new URL(url).pathname]);
  // The bearer token of the same subject reaches the same upload.
  expect((await rawRequest(url, { method: 'GET', headers: bearer(tokenOf('carol')) })).text).toBe('cookie');
});

test('the dashboard session route issues a token in a HttpOnly, SameSite=Strict cookie, and keeps the subject', async () => {
  const first = await rawRequest(`${app.baseUrl}/api/upload-session`, { method: 'GET' });
  expect(first.status).toBe(200);
  const { token } = JSON.parse(first.text) as { token: string };
  const setCookie = first.headers['set-cookie']?.[0] ?? '';
  expect(setCookie).toContain(`upload_token=${token}`);
  expect(setCookie).toMatch(/; HttpOnly/);
  expect(setCookie).toMatch(/; SameSite=Strict/);
  expect(setCookie).toMatch(/; Path=\//);
  expect(setCookie, 'plain http: not Secure').not.toMatch(/Secure/);

  // An upload made with that token is found again with the token the next visit gets through the cookie.
  const url = await uploadAs(bearer(token), Buffer.from('session'));
  const again = await rawRequest(`${app.baseUrl}/api/upload-session`, { method: 'GET', headers: { Cookie: `upload_token=${token}` } });
  const { token: renewed } = JSON.parse(again.text) as { token: string };
  expect((await rawRequest(url, { method: 'GET', headers: bearer(renewed) })).text).toBe('session');
  // A visitor without the cookie is someone else.
  const stranger = JSON.parse((await rawRequest(`${app.baseUrl}/api/upload-session`, { method: 'GET' })).text) as { token: string };
  expect((await rawRequest(url, { method: 'GET', headers: bearer(stranger.token) })).status).toBe(404);
});

test("bob's requests do not cut short alice's running PATCH (refused before the upload's lock is asked for)", async () => {
  const size = 2 * 1024 * 1024;
  const data = randomBytes(size);
  const url = await createAs(ALICE, size);
  const half = size / 2;

  // Alice's PATCH: its head and half its body, then a pause with the connection open.
  const { hostname, port, pathname } = new URL(url);
  const running = http.request({
    hostname,
    port,
    path: pathname,
    method: 'PATCH',
    agent: false,
    headers: { ...TUS, ...ALICE, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': size },
  });
  const answer = new Promise<http.IncomingMessage>((resolve, reject) => {
    running.on('response', (res) => {
      res.resume();
      resolve(res);
    });
    running.on('error', reject);
  });
  running.write(data.subarray(0, half));
  await waitForStoredBytes(app, uploadIdOf(url), half);

  // Asking for the lock would make the running PATCH stop after the lock drain (3 s) and answer with half the bytes.
  const started = Date.now();
  expect((await rawRequest(url, { method: 'HEAD', headers: { ...TUS, ...BOB } })).status).toBe(404);
  expect((await patchAs(BOB, url, half, 'bob')).status).toBe(404);
  expect((await rawRequest(url, { method: 'DELETE', headers: { ...TUS, ...BOB } })).status).toBe(404);
  expect(Date.now() - started, "bob's refusals did not wait for alice's lock").toBeLessThan(2500);

  running.end(data.subarray(half));
  const res = await answer;
  expect(res.statusCode).toBe(204);
  expect(res.headers['upload-offset'], 'all of the PATCH was stored: it was not cut short').toBe(String(size));
  expect(sha256((await rawRequest(url, { method: 'GET', headers: ALICE })).body)).toBe(sha256(data));
});
