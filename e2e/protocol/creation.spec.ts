import fs from 'node:fs';
import path from 'node:path';
import { uploadFolder } from '../support/disk';
import { createUpload, encodeMetadata, patch, rawRequest, TUS } from '../support/http';
import { expect, test } from './server-fixture';

// Creation, creation-defer-length (D-01 to D-06) and
// creation-with-upload (W-01 to W-05).

const idOf = (url: string) => url.split('/').pop() ?? '';

test.describe('creation', () => {
  test('POST answers 201 with an absolute Location under the endpoint and creates the upload', async ({ app }) => {
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 100, 'Upload-Metadata': encodeMetadata({ filename: 'report.pdf' }) + ',is_confidential' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toMatch(new RegExp(`^${app.endpoint}/[0-9a-f]{32}$`));
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(res.headers['upload-offset']).toBeUndefined();
    const id = idOf(res.headers.location ?? '');
    expect(fs.existsSync(path.join(app.uploadDir, id))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(app.uploadDir, `${id}.json`), 'utf8'))).toMatchObject({ id, size: 100 });
  });

  test('HEAD returns the metadata as the client sent it, empty values included (R-07)', async ({ app }) => {
    const metadata = `${encodeMetadata({ filename: 'naïve café.txt', filetype: 'text/plain' })},is_confidential`;
    const url = await createUpload(app.endpoint, 5, { 'Upload-Metadata': metadata });
    const res = await rawRequest(url, { method: 'HEAD', headers: TUS });
    expect(res.headers['upload-metadata']).toBe(metadata);
  });

  test('neither Upload-Length nor Upload-Defer-Length is 400 (R-02)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: TUS });
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });

  test('both Upload-Length and Upload-Defer-Length is 400 (R-03)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 5, 'Upload-Defer-Length': 1 } });
    expect(res.status).toBe(400);
  });

  for (const [name, value] of [
    ['Upload-Defer-Length', '2'],
    ['Upload-Length', '-1'],
    ['Upload-Length', 'abc'],
    ['Upload-Length', '1.5'],
  ] as const) {
    test(`${name}: ${value} is 400 (R-04, R-05)`, async ({ app }) => {
      const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, [name]: value } });
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
    });
  }

  for (const metadata of ['filename', 'filename !!!notbase64', 'a aGk=,a aGk=', 'key with space aGk=']) {
    test(`malformed Upload-Metadata "${metadata}" is 400 (R-06)`, async ({ app }) => {
      const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 5, 'Upload-Metadata': metadata } });
      // "filename" alone is a key with an empty value, which the spec allows.
      expect(res.status).toBe(metadata === 'filename' ? 201 : 400);
    });
  }

  test('Upload-Length: 0 is complete at once and downloadable (R-08)', async ({ app }) => {
    const url = await createUpload(app.endpoint, 0);
    const head = await rawRequest(url, { method: 'HEAD', headers: TUS });
    expect(head.headers['upload-offset']).toBe('0');
    expect(head.headers['upload-length']).toBe('0');
    await app.events.waitFor((e) => e.type === 'finished' && e.id === idOf(url), 10_000, 'finish of the empty upload');
    const download = await rawRequest(url, { method: 'GET' });
    expect(download.status).toBe(200);
    expect(download.body.length).toBe(0);
  });
});

test.describe('creation-defer-length', () => {
  test('a deferred upload reports Upload-Defer-Length until the first PATCH declares the length (D-01, D-02)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
    expect(res.status).toBe(201);
    const url = res.headers.location ?? '';
    const head = await rawRequest(url, { method: 'HEAD', headers: TUS });
    expect(head.headers['upload-defer-length']).toBe('1');
    expect(head.headers['upload-length']).toBeUndefined();
    expect(head.headers['upload-offset']).toBe('0');

    const first = await patch(url, 0, 'hel', { 'Upload-Length': '5' });
    expect(first.status).toBe(204);
    expect(first.headers['upload-offset']).toBe('3');
    const after = await rawRequest(url, { method: 'HEAD', headers: TUS });
    expect(after.headers['upload-length']).toBe('5');
    expect(after.headers['upload-defer-length']).toBeUndefined();
    expect((await patch(url, 3, 'lo')).status).toBe(204);
    expect((await rawRequest(url, { method: 'GET' })).text).toBe('hello');
  });

  test('the length cannot change once set (D-03)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
    const url = res.headers.location ?? '';
    await patch(url, 0, 'ab', { 'Upload-Length': '10' });
    const again = await patch(url, 2, 'cd', { 'Upload-Length': '12' });
    expect(again.status).toBe(400);
    expect((await rawRequest(url, { method: 'HEAD', headers: TUS })).headers['upload-offset']).toBe('2');
  });

  test('a declared length below the offset is 400, above the maximum 413 (D-04)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Defer-Length': 1 } });
    const url = res.headers.location ?? '';
    await patch(url, 0, 'abcd');
    expect((await patch(url, 4, '', { 'Upload-Length': '2' })).status).toBe(400);
    expect((await patch(url, 4, '', { 'Upload-Length': String(50 * 2 ** 30 + 1) })).status).toBe(413);
  });

  test('Upload-Length on a PATCH to an upload whose length is known is 400 (D-05)', async ({ app }) => {
    const url = await createUpload(app.endpoint, 5);
    const res = await patch(url, 0, 'hello', { 'Upload-Length': '5' });
    expect(res.status).toBe(400);
    expect((await rawRequest(url, { method: 'HEAD', headers: TUS })).headers['upload-offset']).toBe('0');
  });
});

test.describe('creation-with-upload', () => {
  test('a POST with a body stores it and answers the offset (W-01)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 11, 'Content-Type': 'application/offset+octet-stream' },
      body: 'hello',
    });
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('5');
    const url = res.headers.location ?? '';
    expect((await patch(url, 5, ' world')).status).toBe(204);
    expect((await rawRequest(url, { method: 'GET' })).text).toBe('hello world');
  });

  for (const contentType of ['text/plain', null]) {
    test(`W-02 a POST body with Content-Type ${contentType ?? '(none)'} is 415 and creates nothing`, async ({ app }) => {
      const folderBefore = uploadFolder(app);
      const headers: Record<string, string | number> = { ...TUS, 'Upload-Length': 5 };
      if (contentType) headers['Content-Type'] = contentType;
      const res = await rawRequest(app.endpoint, { method: 'POST', headers, body: 'hello' });
      expect(res.status).toBe(415);
      expect(res.headers.location).toBeUndefined();
      expect(uploadFolder(app)).toEqual(folderBefore);
    });
  }

  test('a POST body longer than Upload-Length is 413 (W-03)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 3, 'Content-Type': 'application/offset+octet-stream' },
      body: 'hello',
    });
    expect(res.status).toBe(413);
  });

  test('a deferred-length POST with a body keeps Upload-Defer-Length (W-04)', async ({ app }) => {
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Defer-Length': 1, 'Content-Type': 'application/offset+octet-stream' },
      body: 'abc',
    });
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('3');
    const head = await rawRequest(res.headers.location ?? '', { method: 'HEAD', headers: TUS });
    expect(head.headers['upload-defer-length']).toBe('1');
    expect(head.headers['upload-offset']).toBe('3');
  });
});
