import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { CompletedUpload } from '../../tus/catalog';
import type { AppServer } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { dataFileOf, infoFileOf, uploadFolder, uploadState } from '../support/disk';
import { sha256, sha256OfDownload } from '../support/files';
import { encodeMetadata, head, headerTokens, patch, rawRequest, TUS, type RawResponse } from '../support/http';
import { expect, test } from './server-fixture';

// Concatenation and concatenation-unfinished (N-01 to N-11): partial uploads
// are assembled, in order and byte-exact, into a final upload.

const MiB = 1024 * 1024;

/** Creates a partial upload of `length` bytes and stores `stored` in it (all of it by default); returns its absolute URL. */
async function partial(
  app: AppServer,
  length: number,
  stored: Buffer | string = '',
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await rawRequest(app.endpoint, {
    method: 'POST',
    headers: { ...TUS, 'Upload-Concat': 'partial', 'Upload-Length': length, ...headers },
  });
  expect(res.status, res.text).toBe(201);
  const url = new URL(res.headers.location ?? '', app.endpoint).href;
  if (stored.length > 0) expect((await patch(url, 0, stored)).status).toBe(204);
  return url;
}

/** A complete partial upload holding `data`. */
const completePartial = (app: AppServer, data: Buffer | string) => partial(app, Buffer.byteLength(data), data);

/** POST of an upload with the given Upload-Concat value (a final one, unless the test says otherwise). */
function postFinal(app: AppServer, concat: string, headers: Record<string, string | number> = {}, body?: string): Promise<RawResponse> {
  return rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Concat': concat, ...headers }, body });
}

/** A POST with this Upload-Concat is refused with `status`: no Location, nothing new in the upload folder. */
async function expectRefused(
  app: AppServer,
  status: number,
  concat: string,
  headers: Record<string, string | number> = {},
  body?: string,
): Promise<void> {
  const folderBefore = uploadFolder(app);
  const res = await postFinal(app, concat, headers, body);
  expect(res.status, concat).toBe(status);
  expect(res.headers.location, concat).toBeUndefined();
  expect(uploadFolder(app), concat).toEqual(folderBefore);
}

/** Creates a final upload (201 expected) and returns its absolute URL. */
async function createFinal(app: AppServer, concat: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await postFinal(app, concat, headers);
  expect(res.status, res.text).toBe(201);
  expect(res.headers['upload-offset']).toBeUndefined();
  return new URL(res.headers.location ?? '', app.endpoint).href;
}

const pathOf = (url: string) => new URL(url).pathname;
const relativeFinal = (...urls: string[]) => `final;${urls.map(pathOf).join(' ')}`;

/** HEAD on a final upload once assembled: offset = length, the header echoed as sent. */
async function expectAssembled(url: string, concat: string, length: number): Promise<void> {
  const res = await head(url);
  expect(res.status).toBe(200);
  expect(res.headers['upload-concat']).toBe(concat);
  expect(res.headers['upload-length']).toBe(String(length));
  expect(res.headers['upload-offset']).toBe(String(length));
}

async function listedIds(app: AppServer): Promise<string[]> {
  const res = await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET' });
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { uploads: CompletedUpload[] }).uploads.map((upload) => upload.id);
}

test('N-01 OPTIONS advertises concatenation and concatenation-unfinished', async ({ app }) => {
  const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  expect(headerTokens(res, 'Tus-Extension')).toEqual(expect.arrayContaining(['concatenation', 'concatenation-unfinished']));
});

test.describe('partial uploads (N-02)', () => {
  test('N-02 a partial upload is 201 and HEAD echoes Upload-Concat: partial with the offset and length', async ({ app }) => {
    const url = await partial(app, 5);
    const fresh = await head(url);
    expect(fresh.status).toBe(200);
    expect(fresh.headers['upload-concat']).toBe('partial');
    expect(fresh.headers['upload-offset']).toBe('0');
    expect(fresh.headers['upload-length']).toBe('5');
    expect((await patch(url, 0, 'hello')).status).toBe(204);
    const done = await head(url);
    expect(done.headers['upload-concat']).toBe('partial');
    expect(done.headers['upload-offset']).toBe('5');
    expect(fs.readFileSync(dataFileOf(app, url), 'utf8')).toBe('hello');
  });

  test('N-02 a partial upload may defer its length', async ({ app }) => {
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Concat': 'partial', 'Upload-Defer-Length': 1 },
    });
    expect(res.status).toBe(201);
    const url = new URL(res.headers.location ?? '', app.endpoint).href;
    const before = await head(url);
    expect(before.headers['upload-concat']).toBe('partial');
    expect(before.headers['upload-defer-length']).toBe('1');
    expect(before.headers['upload-length']).toBeUndefined();
    expect((await patch(url, 0, 'abc', { 'Upload-Length': '3' })).status).toBe(204);
    const after = await head(url);
    expect(after.headers['upload-length']).toBe('3');
    expect(after.headers['upload-offset']).toBe('3');
  });

  test('N-02 partial uploads are not listed among the completed uploads, their final upload is', async ({ app }) => {
    const a = await completePartial(app, 'listed? ');
    const b = await completePartial(app, 'no');
    const final = await createFinal(app, relativeFinal(a, b));
    const ids = await listedIds(app);
    expect(ids).toContain(uploadIdOf(final));
    expect(ids).not.toContain(uploadIdOf(a));
    expect(ids).not.toContain(uploadIdOf(b));
  });
});

test.describe('final uploads (N-03 to N-09)', () => {
  test('N-03 a final upload from relative URLs is assembled during the POST, in order, byte-exact', async ({ app }) => {
    const a = await completePartial(app, 'hello ');
    const b = await completePartial(app, 'world');
    const concat = relativeFinal(a, b);
    const final = await createFinal(app, concat);
    await expectAssembled(final, concat, 11);
    expect((await rawRequest(final, { method: 'GET' })).text).toBe('hello world');
    await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadIdOf(final), 10_000, 'the finish of the final upload');
    // Order is significant.
    const reversed = await createFinal(app, relativeFinal(b, a));
    expect((await rawRequest(reversed, { method: 'GET' })).text).toBe('worldhello ');
  });

  test('N-03 a final upload from absolute URLs is assembled byte-exact', async ({ app }) => {
    const parts = [randomBytes(1000), randomBytes(1), randomBytes(4097)];
    const urls = await Promise.all(parts.map((data) => completePartial(app, data)));
    const concat = `final;${urls.join(' ')}`;
    const final = await createFinal(app, concat);
    await expectAssembled(final, concat, 5098);
    expect(await sha256OfDownload(final)).toBe(sha256(Buffer.concat(parts)));
  });

  test("N-03 the final upload's metadata is its own, never its partials'", async ({ app }) => {
    const pieceMetadata = encodeMetadata({ filename: 'piece.bin', filetype: 'application/octet-stream' });
    const a = await partial(app, 3, 'abc', { 'Upload-Metadata': pieceMetadata });
    const b = await partial(app, 3, 'def', { 'Upload-Metadata': pieceMetadata });
    const ownMetadata = `${encodeMetadata({ filename: 'whole.txt', filetype: 'text/plain' })},is_confidential`;
    const named = await createFinal(app, relativeFinal(a, b), { 'Upload-Metadata': ownMetadata });
    expect((await head(named)).headers['upload-metadata']).toBe(ownMetadata);
    const anonymous = await createFinal(app, relativeFinal(a, b));
    expect((await head(anonymous)).headers['upload-metadata']).toBeUndefined();
  });

  test('N-04 a final upload with Upload-Length is 400 and creates nothing', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    await expectRefused(app, 400, relativeFinal(a), { 'Upload-Length': 3 });
  });

  test('N-05 a final upload naming an unknown partial is 404 and creates nothing', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    await expectRefused(app, 404, `final;${pathOf(a)} /api/upload/0123456789abcdef0123456789abcdef`);
  });

  test('N-05 a final upload naming an upload that is not a partial is 400 and creates nothing', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    const normal = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 3, 'Content-Type': 'application/offset+octet-stream' },
      body: 'def',
    });
    expect(normal.status).toBe(201);
    await expectRefused(app, 400, `final;${pathOf(a)} ${pathOf(new URL(normal.headers.location ?? '', app.endpoint).href)}`);
  });

  for (const concat of ['final;', 'final; ', 'final;  ']) {
    test(`N-05 Upload-Concat "${concat}" (no partial listed) is 400 and creates nothing`, async ({ app }) => {
      await expectRefused(app, 400, concat);
    });
  }

  test('N-06 HEAD on a final upload echoes Upload-Concat exactly as received, mixed relative and absolute URLs', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    const b = await completePartial(app, 'de');
    const concat = `final;${pathOf(a)} ${b}`;
    const final = await createFinal(app, concat);
    await expectAssembled(final, concat, 5);
  });

  test('N-07 a PATCH on a final upload is 403 and changes neither the final nor its partials', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    const b = await completePartial(app, 'de');
    const final = await createFinal(app, relativeFinal(a, b));
    const before = await Promise.all([final, a, b].map((url) => uploadState(app, url)));
    for (const [offset, bytes] of [
      [5, 'more'],
      [0, 'xyzzy'],
    ] as const) {
      expect((await patch(final, offset, bytes)).status).toBe(403);
    }
    expect(await Promise.all([final, a, b].map((url) => uploadState(app, url)))).toEqual(before);
  });

  test('N-07 a final upload POST carrying bytes is 403 and creates nothing', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    await expectRefused(app, 403, relativeFinal(a), { 'Content-Type': 'application/offset+octet-stream' }, 'abc');
  });

  test('N-08 the same partial twice in one final, and one partial in two finals', async ({ app }) => {
    const a = await completePartial(app, 'ab');
    const b = await completePartial(app, 'cd');
    const twice = await createFinal(app, relativeFinal(a, a));
    const first = await createFinal(app, relativeFinal(a, b));
    const second = await createFinal(app, relativeFinal(b, a, b));
    expect((await rawRequest(twice, { method: 'GET' })).text).toBe('abab');
    expect((await rawRequest(first, { method: 'GET' })).text).toBe('abcd');
    expect((await rawRequest(second, { method: 'GET' })).text).toBe('cdabcd');
    // Using a partial does not use it up.
    for (const url of [a, b]) expect((await head(url)).headers['upload-offset']).toBe('2');
  });

  test('N-09 a partial named by a URL of another host or another path is 400 and creates nothing', async ({ app }) => {
    const a = await completePartial(app, 'abc');
    const id = uploadIdOf(a);
    for (const foreign of [`https://evil.example/api/upload/${id}`, `/elsewhere/${id}`, `/api/uploads/${id}`]) {
      await expectRefused(app, 400, `final;${pathOf(a)} ${foreign}`);
    }
  });
});

test.describe('concatenation-unfinished (N-10)', () => {
  test('N-10 a final created before its partials finish has no offset, refuses bytes, and is complete when the last partial is', async ({
    app,
  }) => {
    const a = await partial(app, 6);
    const b = await partial(app, 5, 'wo');
    const concat = relativeFinal(a, b);
    const final = await createFinal(app, concat);

    const pending = await head(final);
    expect(pending.status).toBe(200);
    expect(pending.headers['upload-concat']).toBe(concat);
    expect(pending.headers['upload-offset']).toBeUndefined();
    expect(pending.headers['upload-length']).toBe('11');
    expect((await patch(final, 0, 'hello world')).status).toBe(403);

    expect((await patch(a, 0, 'hello ')).status).toBe(204);
    // One partial still running: still not assembled.
    expect((await head(final)).headers['upload-offset']).toBeUndefined();

    const last = await patch(b, 2, 'rld');
    expect(last.status).toBe(204);
    // Complete once the 204 of the PATCH that finished the last partial is out.
    await expectAssembled(final, concat, 11);
    expect((await rawRequest(final, { method: 'GET' })).text).toBe('hello world');
    await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadIdOf(final), 10_000, 'the finish of the final upload');
  });

  test('N-10 DELETE of a partial a pending final needs is 409 and deletes nothing; once assembled, the final outlives it', async ({
    app,
  }) => {
    const a = await completePartial(app, 'hello ');
    const b = await partial(app, 5, 'wo');
    const final = await createFinal(app, relativeFinal(a, b));
    for (const url of [a, b]) {
      const before = await uploadState(app, url);
      const res = await rawRequest(url, { method: 'DELETE', headers: TUS });
      expect(res.status).toBe(409);
      expect(await uploadState(app, url)).toEqual(before);
      expect(fs.existsSync(infoFileOf(app, url))).toBe(true);
    }
    expect((await patch(b, 2, 'rld')).status).toBe(204);
    for (const url of [a, b]) expect((await rawRequest(url, { method: 'DELETE', headers: TUS })).status).toBe(204);
    expect((await rawRequest(final, { method: 'GET' })).text).toBe('hello world');
  });

  test('N-10 DELETE of a final removes its folder of links and leaves its partials whole', async ({ app }) => {
    const a = await completePartial(app, 'hello ');
    const b = await completePartial(app, 'world');
    const final = await createFinal(app, relativeFinal(a, b, a));
    expect((await rawRequest(final, { method: 'GET' })).text).toBe('hello worldhello ');
    const parts = await Promise.all([a, b].map((url) => uploadState(app, url)));
    expect((await rawRequest(final, { method: 'DELETE', headers: TUS })).status).toBe(204);
    expect(fs.existsSync(dataFileOf(app, final))).toBe(false);
    expect(fs.existsSync(infoFileOf(app, final))).toBe(false);
    expect((await head(final)).status).toBe(404);
    expect(await Promise.all([a, b].map((url) => uploadState(app, url)))).toEqual(parts);
  });

  test('N-10 three partials of a few MiB uploaded in parallel chunks into a final created first: byte-exact', async ({ app }) => {
    const parts = [randomBytes(3 * MiB + 1), randomBytes(2 * MiB + 7), randomBytes(4 * MiB - 3)];
    const urls = await Promise.all(parts.map((data) => partial(app, data.length)));
    const concat = `final;${urls.join(' ')}`;
    const final = await createFinal(app, concat);
    const total = parts.reduce((sum, data) => sum + data.length, 0);
    await Promise.all(
      parts.map(async (data, i) => {
        for (let offset = 0; offset < data.length; offset += MiB) {
          const res = await patch(urls[i], offset, data.subarray(offset, offset + MiB));
          expect(res.status).toBe(204);
        }
      }),
    );
    await expectAssembled(final, concat, total);
    expect(await sha256OfDownload(final)).toBe(sha256(Buffer.concat(parts)));
  });
});

for (const concat of ['bogus', 'final', 'partial;']) {
  test(`N-11 Upload-Concat "${concat}" is 400, never silently a normal upload`, async ({ app }) => {
    await expectRefused(app, 400, concat, { 'Upload-Length': 3 });
  });
}
