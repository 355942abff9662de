import fs from 'node:fs';
import { issueUploadToken } from '../../tus/access-tokens';
import { AppServer } from '../support/app-server';
import { requestsOf, uploadIdOf } from '../support/clients';
import { dataFileOf, uploadFolder, uploadState } from '../support/disk';
import { rawRequest } from '../support/http';
import {
  completeness,
  digestField,
  draftAppend,
  draftFields,
  draftRequest,
  INTEROP,
  INTEROP_VERSIONS,
  type InteropVersion,
} from '../support/ietf-draft';
import { WireConnection } from '../support/raw-http';
import { expect, test } from './server-fixture';

// The IETF draft "Resumable Uploads for HTTP" on the tus endpoint, interop
// versions 3 to 8 (drafts -01 to -12), answer by answer as each version's text
// gives them: the 104 and its bytes, the fields of every answer, the problem
// details, and a draft upload being an ordinary upload once complete.

/** What each version's text asks of a server, written from the drafts (not from the server's table). */
interface Text {
  /** Upload-Limit, with the key of the remaining lifetime (-04 `expires`, -06 on `max-age`). */
  lifetime: 'expires' | 'max-age' | null;
  /** An offset retrieval answers with Upload-Length (-05 on). */
  reportsLength: boolean;
  /** The mismatching-upload-offset and completed-upload problem types (-04 on). */
  problems: boolean;
  /** The inconsistent-upload-length problem type (-06 on). */
  lengthProblem: boolean;
  /** An append that leaves the upload incomplete: 201 Created to -05, then any 2xx (204). */
  appendStatus: number;
}

const PLAIN: Text = { lifetime: null, reportsLength: false, problems: false, lengthProblem: false, appendStatus: 201 };
const LATER: Text = { lifetime: 'max-age', reportsLength: true, problems: true, lengthProblem: true, appendStatus: 204 };
const TEXTS: Record<InteropVersion, Text> = {
  3: PLAIN,
  4: PLAIN,
  5: PLAIN,
  6: { lifetime: 'expires', reportsLength: true, problems: true, lengthProblem: false, appendStatus: 201 },
  7: LATER,
  8: LATER,
};

/** The server's defaults: UPLOAD_MAX_SIZE 50 GiB, unfinished uploads expire 24 h after their last write. */
const MAX_SIZE = 50 * 2 ** 30;
const DAY = 24 * 3600;
const PROBLEM = 'https://iana.org/assignments/http-problem-types#';

/** Upload-Limit as a version says it, with the lifetime of an upload written just now (rounded to the second). */
function limitOf(text: Text, lifetime: boolean): Record<string, string> {
  if (!text.lifetime) return {};
  return { 'upload-limit': `max-size=${MAX_SIZE}${lifetime ? `, ${text.lifetime}=${DAY}` : ''}` };
}

function completenessOf(version: InteropVersion, complete: boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(completeness(version, complete)).map(([name, value]) => [name.toLowerCase(), value]));
}

function problemOf(res: { headers: Record<string, unknown>; text: string }): Record<string, unknown> {
  expect(res.headers['content-type']).toBe('application/problem+json');
  return JSON.parse(res.text) as Record<string, unknown>;
}

for (const version of INTEROP_VERSIONS) {
  const text = TEXTS[version];

  test(`interop ${version}: 104 before the body is read, then offset, conflict, completion and a plain completed upload`, async ({
    app,
  }) => {
    // Creation: only the head is sent, and the 104 must come before any byte of the body.
    const connection = await WireConnection.open(app.port);
    connection.writeHead('POST', '/api/upload', {
      [INTEROP]: version,
      ...completeness(version, false),
      'Content-Length': 5,
      'Content-Type': 'text/plain',
      'Content-Disposition': `inline; filename="draft-${version}.txt"`,
      // Read in every version: tus-js-client sends it in its -03 mode too.
      'Upload-Length': 11,
    });
    const interim = await connection.next();
    const location = interim.headers.location;
    expect(location).toMatch(new RegExp(`^${app.endpoint}/[0-9a-f]{32}$`));
    const limit = text.lifetime ? `Upload-Limit: max-size=${MAX_SIZE}, ${text.lifetime}=${DAY}\r\n` : '';
    expect(interim.head).toBe(
      `HTTP/1.1 104 Upload Resumption Supported\r\n${INTEROP}: ${version}\r\nLocation: ${location}\r\n${limit}\r\n`,
    );
    await connection.write('hello');
    const created = await connection.answer();
    connection.close();
    expect(created.interim).toEqual([]);
    expect(created.final.status).toBe(201);
    expect(draftFields(created.final.headers)).toEqual({
      'upload-draft-interop-version': String(version),
      location,
      'upload-offset': '5',
      ...completenessOf(version, false),
      ...limitOf(text, true),
    });

    // Offset retrieval.
    const offset = await draftRequest(location, version, 'HEAD');
    expect(offset.status).toBe(204);
    const { 'upload-limit': headLimit, ...headFields } = draftFields(offset.headers);
    expect(headFields).toEqual({
      'upload-draft-interop-version': String(version),
      'cache-control': 'no-store',
      'upload-offset': '5',
      ...completenessOf(version, false),
      ...(text.reportsLength ? { 'upload-length': '11' } : {}),
    });
    // The lifetime counts from the last write: a second may have gone by.
    if (text.lifetime) expect(headLimit).toMatch(new RegExp(`^max-size=${MAX_SIZE}, ${text.lifetime}=(${DAY}|${DAY - 1})$`));
    else expect(headLimit).toBeUndefined();

    // An append at the wrong offset: 409 with the right one, as a problem from -04 on.
    const conflict = await draftAppend(location, version, 3, 'lo world', true);
    expect(conflict.status).toBe(409);
    expect(conflict.headers['upload-offset']).toBe('5');
    if (text.problems) {
      expect(problemOf(conflict)).toEqual({
        type: `${PROBLEM}mismatching-upload-offset`,
        title: 'offset from request does not match offset of resource',
        detail: 'Upload-Offset is 3 but the upload holds 5 bytes; resume from 5',
        code: 'ERR_MISMATCHED_OFFSET',
        'expected-offset': 5,
        'provided-offset': 3,
      });
    } else {
      expect(conflict.text).toBe('ERR_MISMATCHED_OFFSET: Upload-Offset is 3 but the upload holds 5 bytes; resume from 5\n');
    }
    expect(conflict.headers['upload-complete']).toBe(text.lengthProblem ? '?0' : undefined);

    // The append that completes it: answered as its creation would have answered the whole, with its URL.
    const completed = await draftAppend(location, version, 5, ' world', true);
    expect(completed.status).toBe(201);
    expect(draftFields(completed.headers)).toEqual({
      'upload-draft-interop-version': String(version),
      location,
      'upload-offset': '11',
      ...completenessOf(version, true),
      ...limitOf(text, false),
    });

    // Its answer lost, the client completes it again with nothing: the same answer; bytes are refused.
    const replayed = await draftAppend(location, version, 11, '', true);
    expect([replayed.status, replayed.headers.location, replayed.headers['upload-offset']]).toEqual([201, location, '11']);
    const more = await draftAppend(location, version, 11, '!', true);
    expect(more.status).toBe(400);
    if (text.problems) {
      expect(problemOf(more)).toMatchObject({ type: `${PROBLEM}completed-upload`, title: 'upload is already completed' });
    } else {
      expect(more.text).toMatch(/^ERR_UPLOAD_COMPLETED: /);
    }

    // An ordinary completed upload: finished once, downloadable under its name, listed.
    const id = uploadIdOf(location);
    await app.events.waitFor((e) => e.type === 'finished' && e.id === id, 10_000, 'the finished event');
    expect(app.events.all().filter((e) => e.type === 'finished' && e.id === id)).toHaveLength(1);
    const download = await rawRequest(location, { method: 'GET' });
    expect(download.text).toBe('hello world');
    expect(download.headers['content-disposition']).toContain(`draft-${version}.txt`);
    const listed = JSON.parse((await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET' })).text) as {
      uploads: Array<{ id: string; name: string; size: number }>;
    };
    expect(listed.uploads.find((upload) => upload.id === id)).toMatchObject({ name: `draft-${version}.txt`, size: 11 });
  });
}

test('a version not served is 400 that names those served, with no 104 and nothing created', async ({ app }) => {
  for (const other of ['2', '9', 'latest']) {
    const before = uploadFolder(app);
    const connection = await WireConnection.open(app.port);
    connection.writeHead('POST', '/api/upload', { [INTEROP]: other, 'Upload-Complete': '?1', 'Content-Length': 5 });
    await connection.write('hello');
    const { interim, final } = await connection.answer();
    connection.close();
    expect(interim).toEqual([]);
    expect(final.status).toBe(400);
    expect(final.body.toString()).toMatch(/^ERR_UNSUPPORTED_INTEROP_VERSION: .*interop versions 3, 4, 5, 6, 7, 8\n$/);
    expect(uploadFolder(app)).toEqual(before);
  }
});

test('without the interop header the endpoint is tus as before: no 104, no draft fields', async ({ app }) => {
  const connection = await WireConnection.open(app.port);
  connection.writeHead('POST', '/api/upload', {
    'Tus-Resumable': '1.0.0',
    'Upload-Length': 10,
    'Content-Type': 'application/offset+octet-stream',
    'Content-Length': 5,
  });
  await connection.write('hello');
  const { interim, final } = await connection.answer();
  connection.close();
  expect(interim).toEqual([]);
  expect(final.status).toBe(201);
  expect(final.headers['tus-resumable']).toBe('1.0.0');
  expect(Object.keys(draftFields(final.headers)).sort()).toEqual(['location', 'tus-resumable', 'upload-expires', 'upload-offset']);

  // A draft field alone does not make a tus request a draft one.
  expect((await rawRequest(app.endpoint, { method: 'POST', headers: { 'Upload-Complete': '?1', 'Upload-Length': 1 } })).status).toBe(412);
  const discovery = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  expect(discovery.headers['upload-limit']).toBeUndefined();
});

test('OPTIONS with an interop version says the limits, and the append type from -04 on', async ({ app }) => {
  const v8 = await draftRequest(app.endpoint, 8, 'OPTIONS');
  expect(v8.status).toBe(204);
  expect([v8.headers['upload-limit'], v8.headers['accept-patch']]).toEqual([`max-size=${MAX_SIZE}`, 'application/partial-upload']);
  const v5 = await draftRequest(app.endpoint, 5, 'OPTIONS');
  expect([v5.headers['upload-limit'], v5.headers['accept-patch']]).toEqual([undefined, undefined]);
});

test('a creation must say whether it completes the upload, and names no offset', async ({ app }) => {
  const before = uploadFolder(app);
  for (const [version, headers] of [
    [8, {}],
    [8, { 'Upload-Complete': 'true' }],
    // -01's field is Upload-Incomplete: the later one does not count there.
    [3, { 'Upload-Complete': '?1' }],
    [8, { 'Upload-Complete': '?1', 'Upload-Offset': 0 }],
  ] as const) {
    const res = await draftRequest(app.endpoint, version, 'POST', headers, 'hello');
    expect(res.status, JSON.stringify(headers)).toBe(400);
  }
  expect(uploadFolder(app)).toEqual(before);
});

test('an append: -06 on need Upload-Complete; before, an append without it ends the upload', async ({ app }) => {
  for (const version of [7, 8] as const) {
    const url = await createDraft(app, version, 'hello');
    const res = await draftRequest(url, version, 'PATCH', { 'Upload-Offset': 5, 'Content-Type': 'application/partial-upload' }, '!');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^ERR_INVALID_UPLOAD_COMPLETE: /);
  }
  for (const version of [3, 4, 5, 6] as const) {
    const url = await createDraft(app, version, 'hello');
    const res = await draftRequest(url, version, 'PATCH', { 'Upload-Offset': 5, 'Content-Type': 'application/partial-upload' }, '!');
    expect(res.status).toBe(201);
    expect(draftFields(res.headers)).toMatchObject({ 'upload-offset': '6', ...completenessOf(version, true) });
  }
});

test('an append is labelled application/partial-upload from -04 on; before, any type is taken', async ({ app }) => {
  for (const version of [6, 7, 8] as const) {
    const url = await createDraft(app, version, 'hello');
    const res = await draftAppend(url, version, 5, '!', false, { 'Content-Type': 'application/offset+octet-stream' });
    expect(res.status).toBe(415);
    expect((await uploadState(app, url)).bytes).toBe(5);
  }
  for (const version of [3, 4, 5] as const) {
    const url = await createDraft(app, version, 'hello');
    const res = await draftRequest(url, version, 'PATCH', { 'Upload-Offset': 5, ...completeness(version, false) }, '!');
    expect([res.status, res.headers['upload-offset']]).toEqual([201, '6']);
  }
});

test('-01 to -05 refuse the transfer fields on HEAD and DELETE; later versions take no notice', async ({ app }) => {
  for (const [version, field] of [
    [3, 'Upload-Incomplete'],
    [5, 'Upload-Complete'],
    [5, 'Upload-Offset'],
    [6, 'Upload-Length'],
  ] as const) {
    const url = await createDraft(app, version, 'hello');
    expect(
      (await draftRequest(url, version, 'HEAD', { [field]: field === 'Upload-Offset' || field === 'Upload-Length' ? 5 : '?0' })).status,
    ).toBe(400);
    expect((await draftRequest(url, version, 'DELETE', { [field === 'Upload-Length' ? 'Upload-Offset' : field]: '5' })).status).toBe(400);
    expect((await uploadState(app, url)).bytes).toBe(5);
  }
  const url = await createDraft(app, 8, 'hello');
  expect((await draftRequest(url, 8, 'HEAD', { 'Upload-Offset': 1, 'Upload-Complete': '?1' })).status).toBe(204);
});

test('cancellation: DELETE is 204 and the upload is gone', async ({ app }) => {
  for (const version of INTEROP_VERSIONS) {
    const url = await createDraft(app, version, 'hello');
    const cancelled = await draftRequest(url, version, 'DELETE');
    expect([cancelled.status, cancelled.headers['upload-draft-interop-version']]).toEqual([204, String(version)]);
    expect((await draftRequest(url, version, 'HEAD')).status).toBe(404);
    expect(fs.existsSync(dataFileOf(app, url))).toBe(false);
  }
});

test('the length: indicated twice it must agree, and reaching it completes the upload once', async ({ app }) => {
  // Upload-Length and a completing request of known length that disagree: refused before anything exists.
  const before = uploadFolder(app);
  const inconsistent = await draftRequest(app.endpoint, 8, 'POST', { 'Upload-Complete': '?1', 'Upload-Length': 10 }, 'hello');
  expect(inconsistent.status).toBe(400);
  expect(problemOf(inconsistent)).toMatchObject({ type: `${PROBLEM}inconsistent-upload-length`, code: 'ERR_INCONSISTENT_LENGTH' });
  expect(inconsistent.headers['upload-complete']).toBe('?0');
  expect(uploadFolder(app)).toEqual(before);
  // -03 defines no Upload-Length, but one a client sends is read as tusd reads it; its refusal is plain text there.
  const older = await draftRequest(app.endpoint, 5, 'POST', { 'Upload-Complete': '?1', 'Upload-Length': 10 }, 'hello');
  expect([older.status, older.headers['content-type']]).toEqual([400, 'text/plain; charset=utf-8']);
  expect(older.text).toMatch(/^ERR_INCONSISTENT_LENGTH: Upload-Length says 10 bytes, but this request completes the upload at byte 5\n$/);
  expect(uploadFolder(app)).toEqual(before);

  // Appends that reach the declared length complete the upload, though none said so.
  const url = await createDraft(app, 8, 'hell', { 'Upload-Length': 10 });
  const reached = await draftAppend(url, 8, 4, 'o worl', false);
  expect([reached.status, reached.headers['upload-complete'], reached.headers.location]).toEqual([201, '?1', url]);
  // A client that follows -05 on still sends the completing append: it is answered the same, and finishes nothing twice.
  expect((await draftAppend(url, 8, 10, '', true)).status).toBe(201);
  const id = uploadIdOf(url);
  await app.events.waitFor((e) => e.type === 'finished' && e.id === id, 10_000, 'the finished event');
  expect(app.events.all().filter((e) => e.type === 'finished' && e.id === id)).toHaveLength(1);
  // A completing append that ends short of the length is refused, and the upload stays incomplete.
  const short = await createDraft(app, 8, 'hello', { 'Upload-Length': 20 });
  const early = await draftAppend(short, 8, 5, ' world', true);
  expect([early.status, early.headers['upload-complete']]).toEqual([400, '?0']);
  expect(problemOf(early)).toMatchObject({ type: `${PROBLEM}inconsistent-upload-length` });
  expect((await uploadState(app, short)).bytes).toBe(5);
});

test('a completing append sent chunked that ends short of the length is refused, and says where the upload ends', async ({ app }) => {
  const url = await createDraft(app, 8, 'hello', { 'Upload-Length': 20 });
  const connection = await WireConnection.open(app.port);
  connection.writeHead('PATCH', new URL(url).pathname, {
    [INTEROP]: 8,
    'Upload-Offset': 5,
    'Upload-Complete': '?1',
    'Content-Type': 'application/partial-upload',
    'Transfer-Encoding': 'chunked',
  });
  await connection.write('6\r\n world\r\n0\r\n\r\n');
  const { final } = await connection.answer();
  connection.close();
  // Its bytes are kept (nothing says they are wrong), but it did not complete the upload.
  expect([final.status, final.headers['upload-offset'], final.headers['upload-complete']]).toEqual([400, '11', '?0']);
  expect(JSON.parse(final.body.toString())).toMatchObject({ type: `${PROBLEM}inconsistent-upload-length` });
  expect((await draftRequest(url, 8, 'HEAD')).headers['upload-offset']).toBe('11');
});

test('a completing creation sent chunked, with no length anywhere, ends where its body ends', async ({ app }) => {
  const connection = await WireConnection.open(app.port);
  connection.writeHead('POST', '/api/upload', { [INTEROP]: 8, 'Upload-Complete': '?1', 'Transfer-Encoding': 'chunked' });
  const interim = await connection.next();
  // No length yet: only the engine's own limit.
  expect(interim.headers['upload-limit']).toBe(`max-size=${MAX_SIZE}, max-age=${DAY}`);
  await connection.write('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
  const { final } = await connection.answer();
  connection.close();
  expect([final.status, final.headers['upload-complete'], final.headers['upload-offset']]).toEqual([201, '?1', '11']);
  expect((await rawRequest(final.headers.location, { method: 'GET' })).text).toBe('hello world');
});

test('a creation larger than the engine allows is 413 with Upload-Limit, before any 104', async ({ app }) => {
  const connection = await WireConnection.open(app.port);
  connection.writeHead('POST', '/api/upload', {
    [INTEROP]: 8,
    'Upload-Complete': '?0',
    'Upload-Length': MAX_SIZE + 1,
    'Content-Length': 0,
  });
  const { interim, final } = await connection.answer();
  connection.close();
  expect(interim).toEqual([]);
  expect([final.status, final.headers['upload-limit'], final.headers['upload-complete']]).toEqual([413, `max-size=${MAX_SIZE}`, '?0']);
});

test('Content-Digest is verified before the bytes count: a mismatch leaves the bytes and the offset as they were', async ({ app }) => {
  const url = await createDraft(app, 8, 'hello', { 'Content-Digest': digestField('hello') });
  expect((await uploadState(app, url)).bytes).toBe(5);
  const before = await uploadState(app, url);
  const wrong = await draftAppend(url, 8, 5, ' world', false, { 'Content-Digest': digestField(' WORLD') });
  expect([wrong.status, wrong.headers['upload-offset'], wrong.headers['upload-complete']]).toEqual([400, '5', '?0']);
  expect(wrong.text).toMatch(/^ERR_CHECKSUM_MISMATCH: the sha256 digest/);
  expect(await uploadState(app, url)).toEqual(before);
  // The strongest digest the server computes is the one checked; others it does not know are let be.
  const right = await draftAppend(url, 8, 5, ' world', false, {
    'Content-Digest': `unixsum=30637, sha-512=${digestField(' world', 'sha-512').slice('sha-512='.length)}, sha-256=:AAAA:`,
  });
  expect([right.status, right.headers['upload-offset']]).toEqual([204, '11']);

  // A creation whose body does not match: nothing is kept.
  const folder = uploadFolder(app);
  const refused = await draftRequest(app.endpoint, 8, 'POST', { 'Upload-Complete': '?1', 'Content-Digest': digestField('HELLO') }, 'hello');
  expect(refused.status).toBe(400);
  expect(refused.headers.location).toBeUndefined();
  expect(uploadFolder(app)).toEqual(folder);
});

test('Repr-Digest is verified once the upload is complete: a mismatch removes it, and says the upload ended', async ({ app }) => {
  const good = await createDraft(app, 8, 'hello', { 'Repr-Digest': digestField('hello world') });
  const finished = await draftAppend(good, 8, 5, ' world', true);
  expect([finished.status, finished.headers['upload-complete']]).toEqual([201, '?1']);

  const bad = await createDraft(app, 8, 'hello', { 'Repr-Digest': digestField('hello there') });
  const refused = await draftAppend(bad, 8, 5, ' world', true);
  expect([refused.status, refused.headers['upload-complete']]).toEqual([400, '?1']);
  expect(refused.text).toMatch(/^ERR_REPR_DIGEST_MISMATCH: /);
  const id = uploadIdOf(bad);
  await app.events.waitFor((e) => e.type === 'terminated' && e.id === id, 10_000, 'the terminated event');
  expect(app.events.all().some((e) => e.type === 'finished' && e.id === id)).toBe(false);
  expect((await draftRequest(bad, 8, 'HEAD')).status).toBe(404);
});

test('the event log sees draft requests as it sees tus ones', async ({ app }) => {
  const url = await createDraft(app, 8, 'hello');
  expect((await draftAppend(url, 8, 5, ' world', true)).status).toBe(201);
  const id = uploadIdOf(url);
  await app.events.waitFor((e) => e.type === 'request' && e.method === 'PATCH' && e.id === id, 10_000, 'the PATCH line');
  expect(requestsOf(app, { id }).map((e) => [e.method, e.status, e.requestOffset, e.responseOffset])).toEqual([
    ['POST', 201, null, 5],
    ['PATCH', 201, 5, 11],
  ]);
});

test.describe('with access control on', () => {
  const SECRET = 'ietf-draft-spec-secret-0123456789abcdef';
  let secured: AppServer;
  test.beforeAll(async () => {
    secured = await AppServer.start({ env: { UPLOAD_TOKEN_SECRET: SECRET } });
  });
  test.afterAll(async () => {
    await secured?.dispose();
  });

  test('a draft request needs a token, and another subject finds nothing', async () => {
    const bearer = (subject: string) => ({ Authorization: `Bearer ${issueUploadToken(SECRET, subject, 3_600_000)}` });
    const anonymous = await WireConnection.open(secured.port);
    anonymous.writeHead('POST', '/api/upload', { [INTEROP]: 8, 'Upload-Complete': '?0', 'Content-Length': 0 });
    const refused = await anonymous.answer();
    anonymous.close();
    expect([refused.interim.length, refused.final.status]).toEqual([0, 401]);

    const created = await draftRequest(secured.endpoint, 8, 'POST', { 'Upload-Complete': '?0', ...bearer('alice') }, 'hello');
    expect(created.status).toBe(201);
    const url = created.headers.location!;
    expect((await draftRequest(url, 8, 'HEAD', bearer('mallory'))).status).toBe(404);
    expect((await draftAppend(url, 8, 5, '!', true, bearer('mallory'))).status).toBe(404);
    expect((await draftRequest(url, 8, 'HEAD', bearer('alice'))).headers['upload-offset']).toBe('5');
  });
});

/** Creates an upload with `body` as its first bytes, not complete; returns its URL. */
async function createDraft(
  app: AppServer,
  version: InteropVersion,
  body: string,
  headers: Record<string, string | number> = {},
): Promise<string> {
  const res = await draftRequest(app.endpoint, version, 'POST', { ...completeness(version, false), ...headers }, body);
  if (res.status !== 201 || !res.headers.location) throw new Error(`creation answered ${res.status}: ${res.text}`);
  return res.headers.location;
}
