import fs from 'node:fs';
import { CHECKSUM_ALGORITHMS } from '../support/checksum';
import { dataFileOf, infoFileOf, uploadFolder, uploadState } from '../support/disk';
import { createUpload, EXTENSIONS, head, headerTokens, patch, rawRequest, TUS } from '../support/http';
import { expect, test } from './server-fixture';

// tus 1.0.0 core protocol, checklist rows C-01 to C-18.

test.describe('OPTIONS (C-01, C-02)', () => {
  test('C-01 advertises version, exactly the extensions the store offers, the checksum algorithms and the maximum size', async ({
    app,
  }) => {
    const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    // The set, each entry once.
    expect(headerTokens(res, 'Tus-Extension').sort()).toEqual([...EXTENSIONS].sort());
    expect(headerTokens(res, 'Tus-Checksum-Algorithm').sort()).toEqual([...CHECKSUM_ALGORITHMS].sort());
    expect(res.headers['tus-max-size']).toBe(String(50 * 2 ** 30));
    expect(res.body.length).toBe(0);
  });

  test('C-02 ignores an unsupported Tus-Resumable', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'OPTIONS', headers: { 'Tus-Resumable': '9.9.9' } });
    expect(res.status).toBe(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
  });
});

test.describe('Tus-Resumable (C-03, C-04, C-05)', () => {
  for (const method of ['POST', 'HEAD', 'PATCH', 'DELETE'] as const) {
    for (const version of [null, '0.2.2', '1.0']) {
      test(`${version === null ? 'C-04' : 'C-03'} ${method} with ${version === null ? 'no Tus-Resumable' : `Tus-Resumable: ${version}`} is 412 with Tus-Version and changes nothing`, async ({
        app,
      }) => {
        const url = await createUpload(app.endpoint, 5);
        expect((await patch(url, 0, 'he')).status).toBe(204);
        const before = await uploadState(app, url);
        const folderBefore = uploadFolder(app);
        const headers: Record<string, string | number> = version === null ? {} : { 'Tus-Resumable': version };
        let target = url;
        let body: string | undefined;
        if (method === 'POST') {
          target = app.endpoint;
          headers['Upload-Length'] = 1;
        } else if (method === 'PATCH') {
          Object.assign(headers, { 'Upload-Offset': 2, 'Content-Type': 'application/offset+octet-stream' });
          body = 'llo';
        }
        const res = await rawRequest(target, { method, headers, body });
        expect(res.status).toBe(412);
        expect(res.headers['tus-version']).toBe('1.0.0');
        expect(res.headers['tus-resumable']).toBe('1.0.0');
        expect(res.headers.location).toBeUndefined();
        expect(await uploadState(app, url)).toEqual(before);
        expect(uploadFolder(app)).toEqual(folderBefore);
      });
    }
  }

  test('C-05 every response carries Tus-Resumable, errors included', async ({ app }) => {
    const url = await createUpload(app.endpoint, 3);
    const responses = await Promise.all([
      head(url),
      patch(url, 0, 'abc'),
      head(`${app.endpoint}/does-not-exist`),
      patch(`${app.endpoint}/does-not-exist`, 0, 'x'),
    ]);
    for (const res of responses) expect(res.headers['tus-resumable']).toBe('1.0.0');
  });
});

test.describe('HEAD (C-07, C-08)', () => {
  test('C-07 answers 200 with the offset, the length, no-store and no body', async ({ app }) => {
    const url = await createUpload(app.endpoint, 11);
    expect((await patch(url, 0, 'hello')).status).toBe(204);
    const res = await head(url);
    expect(res.status).toBe(200);
    expect(res.headers['upload-offset']).toBe('5');
    expect(res.headers['upload-length']).toBe('11');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.length).toBe(0);
  });

  test('C-07 reports offset 0 on a fresh upload and the full offset on a finished one', async ({ app }) => {
    const url = await createUpload(app.endpoint, 4);
    expect((await head(url)).headers['upload-offset']).toBe('0');
    await patch(url, 0, 'done');
    const res = await head(url);
    expect(res.status).toBe(200);
    expect(res.headers['upload-offset']).toBe('4');
    expect(res.headers['upload-length']).toBe('4');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('C-08 answers 404 without Upload-Offset for an unknown upload', async ({ app }) => {
    const res = await head(`${app.endpoint}/0123456789abcdef0123456789abcdef`);
    expect(res.status).toBe(404);
    expect(res.headers['upload-offset']).toBeUndefined();
  });
});

test.describe('PATCH (C-09 to C-17)', () => {
  test('C-12 a valid PATCH answers 204 with the new offset and stores the bytes', async ({ app }) => {
    const url = await createUpload(app.endpoint, 10);
    const first = await patch(url, 0, 'hello');
    expect(first.status).toBe(204);
    expect(first.headers['upload-offset']).toBe('5');
    expect(first.body.length).toBe(0);
    const second = await patch(url, 5, 'world');
    expect(second.status).toBe(204);
    expect(second.headers['upload-offset']).toBe('10');
    const download = await rawRequest(url, { method: 'GET' });
    expect(download.text).toBe('helloworld');
  });

  for (const offset of [3, 7]) {
    test(`C-10 offset ${offset} where the server has 5 is 409 with the current Upload-Offset and changes nothing`, async ({ app }) => {
      const url = await createUpload(app.endpoint, 10);
      await patch(url, 0, 'hello');
      const before = await uploadState(app, url);
      const res = await patch(url, offset, 'XXX');
      expect(res.status).toBe(409);
      expect(res.headers['upload-offset']).toBe('5');
      expect(await uploadState(app, url)).toEqual(before);
    });
  }

  for (const contentType of ['text/plain', 'application/octet-stream', null]) {
    test(`C-09 a PATCH with Content-Type ${contentType ?? '(none)'} is 415 and changes nothing`, async ({ app }) => {
      const url = await createUpload(app.endpoint, 7);
      await patch(url, 0, 'he');
      const before = await uploadState(app, url);
      const headers: Record<string, string | number> = { ...TUS, 'Upload-Offset': 2 };
      if (contentType) headers['Content-Type'] = contentType;
      const res = await rawRequest(url, { method: 'PATCH', headers, body: 'llo' });
      expect(res.status).toBe(415);
      expect(await uploadState(app, url)).toEqual(before);
    });
  }

  // On a fresh upload a lenient parser ("+0" → 0, "0x0" → 0) would store the bytes.
  for (const offset of [null, 'abc', '-1', '+0', '1.5', '0x0']) {
    test(`C-11 ${offset === null ? 'a missing Upload-Offset' : `Upload-Offset "${offset}"`} is 400 and stores nothing`, async ({ app }) => {
      const url = await createUpload(app.endpoint, 5);
      const before = await uploadState(app, url);
      expect(before.offset).toBe('0');
      const headers: Record<string, string | number> = { ...TUS, 'Content-Type': 'application/offset+octet-stream' };
      if (offset !== null) headers['Upload-Offset'] = offset;
      const res = await rawRequest(url, { method: 'PATCH', headers, body: 'hello' });
      expect(res.status).toBe(400);
      expect(await uploadState(app, url)).toEqual(before);
    });
  }

  test('C-13 a PATCH on an unknown upload is 404', async ({ app }) => {
    const res = await patch(`${app.endpoint}/0123456789abcdef0123456789abcdef`, 0, 'x');
    expect(res.status).toBe(404);
  });

  test('C-14 a body that would pass Upload-Length is 413 and stores nothing', async ({ app }) => {
    const url = await createUpload(app.endpoint, 5);
    const res = await patch(url, 0, 'more than five bytes');
    expect(res.status).toBe(413);
    expect((await head(url)).headers['upload-offset']).toBe('0');
  });

  test('C-17 an empty PATCH on a finished upload is 204 with the full offset', async ({ app }) => {
    const url = await createUpload(app.endpoint, 3);
    await patch(url, 0, 'abc');
    const res = await patch(url, 3, '');
    expect(res.status).toBe(204);
    expect(res.headers['upload-offset']).toBe('3');
  });

  test('C-16 two PATCHes at the same offset: one writer wins, the other is refused, bytes never interleaved', async ({ app }) => {
    const size = 4 * 1024 * 1024;
    const url = await createUpload(app.endpoint, size);
    // The loser may be answered 409 before it has sent its body; the server
    // then closes the connection and the client's write fails (EPIPE): that
    // is a refusal too.
    const attempt = (fill: string) =>
      patch(url, 0, Buffer.alloc(size, fill)).catch((error: NodeJS.ErrnoException) => ({
        status: error.code ?? 'error',
        text: '',
        headers: {} as Record<string, string>,
      }));
    const [ra, rb] = await Promise.all([attempt('a'), attempt('b')]);
    const statuses = [ra.status, rb.status];
    expect(
      statuses.filter((s) => s === 204),
      `statuses ${statuses.join(', ')}`,
    ).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 409 || s === 'EPIPE' || s === 'ECONNRESET'),
      `statuses ${statuses.join(', ')}`,
    ).toHaveLength(1);
    const winner = ra.status === 204 ? ra : rb;
    const offset = Number((await head(url)).headers['upload-offset']);
    expect(Number(winner.headers['upload-offset'])).toBe(offset);
    const stored = fs.readFileSync(dataFileOf(app, url));
    expect(stored.length).toBe(offset);
    expect(stored.every((byte) => byte === (winner === ra ? 97 : 98))).toBe(true);
  });
});

test.describe('X-HTTP-Method-Override (C-06)', () => {
  const override = (url: string, method: string, headers: Record<string, string | number> = {}, body?: string) =>
    rawRequest(url, { method: 'POST', headers: { ...TUS, 'X-HTTP-Method-Override': method, ...headers }, body });

  test('C-06 POST with X-HTTP-Method-Override: PATCH appends the bytes', async ({ app }) => {
    const url = await createUpload(app.endpoint, 5);
    const res = await override(url, 'PATCH', { 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream' }, 'hello');
    expect(res.status).toBe(204);
    expect(res.headers['upload-offset']).toBe('5');
    expect(fs.readFileSync(dataFileOf(app, url), 'utf8')).toBe('hello');
  });

  test('C-06 POST with X-HTTP-Method-Override: HEAD answers the offset like a HEAD', async ({ app }) => {
    const url = await createUpload(app.endpoint, 5);
    await patch(url, 0, 'he');
    const folderBefore = uploadFolder(app);
    const res = await override(url, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['upload-offset']).toBe('2');
    expect(res.headers['upload-length']).toBe('5');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.location).toBeUndefined();
    expect(uploadFolder(app)).toEqual(folderBefore);
  });

  test('C-06 POST with X-HTTP-Method-Override: DELETE terminates the upload', async ({ app }) => {
    const url = await createUpload(app.endpoint, 5);
    await patch(url, 0, 'he');
    const res = await override(url, 'DELETE');
    expect(res.status).toBe(204);
    expect(fs.existsSync(dataFileOf(app, url))).toBe(false);
    expect(fs.existsSync(infoFileOf(app, url))).toBe(false);
    expect((await head(url)).status).toBe(404);
  });

  test('C-06 POST with X-HTTP-Method-Override: OPTIONS is discovery and creates nothing', async ({ app }) => {
    const folderBefore = uploadFolder(app);
    const res = await override(app.endpoint, 'OPTIONS', { 'Upload-Length': 5 });
    expect(res.status).toBe(204);
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(headerTokens(res, 'Tus-Extension')).toContain('creation');
    expect(res.headers.location).toBeUndefined();
    expect(uploadFolder(app)).toEqual(folderBefore);
  });

  for (const method of ['PUT', 'GET']) {
    test(`C-06 X-HTTP-Method-Override: ${method} is 400 and creates nothing`, async ({ app }) => {
      const folderBefore = uploadFolder(app);
      const res = await override(app.endpoint, method, { 'Upload-Length': 5 });
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(uploadFolder(app)).toEqual(folderBefore);
    });
  }
});

test.describe('Tus-Max-Size (C-18)', () => {
  test('C-18 a POST larger than the maximum is 413 and creates nothing', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 50 * 2 ** 30 + 1 } });
    expect(res.status).toBe(413);
    expect(res.headers.location).toBeUndefined();
  });
});
