import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createUploadEngine, type UploadEngine } from '../index';
import { booleanField, digestField, dispositionFilename, integerField } from './fields';
import { draftRules, INTEROP_VERSIONS } from './versions';

// The draft's field parsing and version table, and the draft served through the Web adapter (a Next.js route
// handler), which cannot send the 104: the final answer must then carry all the client needs.

test.describe('structured fields, read as the drafts ask', () => {
  test('Upload-Complete is ?0 or ?1; anything else is as if absent', () => {
    expect(booleanField('?1')).toBe(true);
    expect(booleanField(' ?0 ')).toBe(false);
    for (const other of ['1', 'true', '?2', '?1;a=b', '', null]) expect(booleanField(other)).toBeNull();
  });

  test('offsets and lengths are non-negative integers of at most 15 digits', () => {
    expect(integerField('0')).toBe(0);
    expect(integerField('007')).toBe(7);
    expect(integerField('999999999999999')).toBe(999_999_999_999_999);
    for (const other of ['-1', '1.5', '1e3', '1000000000000000', 'abc', '', null]) expect(integerField(other)).toBeNull();
  });

  test('a Digest field is a dictionary of byte sequences; members of another type are skipped', () => {
    const members = digestField('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, unixsum=30637, sha-512=:YQ==:;p=1');
    expect([...members]).toEqual([
      ['sha-256', 'X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE='],
      ['sha-512', 'YQ=='],
    ]);
    expect(digestField(null).size).toBe(0);
  });

  test('Content-Disposition names the file by filename* (UTF-8) before filename', () => {
    expect(dispositionFilename(`inline; filename="file name.jpg"; filename*=UTF-8''f%C3%BCr%20dich.jpg`)).toBe('für dich.jpg');
    expect(dispositionFilename('attachment; filename="a \\"quoted\\" name.txt"')).toBe('a "quoted" name.txt');
    expect(dispositionFilename('inline; filename=plain.txt')).toBe('plain.txt');
    expect(dispositionFilename('inline')).toBeNull();
  });
});

test.describe('interop versions', () => {
  const asking = (version: string | null) => ({ header: (name: string) => (name === 'upload-draft-interop-version' ? version : null) });

  test('3 to 8 are served, each by its own rules', () => {
    expect(INTEROP_VERSIONS).toEqual([3, 4, 5, 6, 7, 8]);
    for (const version of INTEROP_VERSIONS) expect(draftRules(asking(String(version)) as never).version).toBe(version);
    expect(draftRules(asking('3') as never).completeness).toBe('Upload-Incomplete');
    expect(draftRules(asking('8') as never).completeness).toBe('Upload-Complete');
  });

  for (const other of ['2', '9', '8.0', 'eight', '']) {
    test(`version ${JSON.stringify(other)} is a 400 that names the versions served`, () => {
      expect(() => draftRules(asking(other) as never)).toThrow(/interop versions 3, 4, 5, 6, 7, 8/);
    });
  }
});

test.describe('through the Web adapter (a Next.js route handler)', () => {
  let dir: string;
  let engine: UploadEngine;
  const endpoint = 'http://uploads.test/files';

  test.beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ietf-web-'));
    engine = createUploadEngine({ uploadDir: dir, path: '/files', log: { level: 'silent', format: 'json' }, maxSize: 1000 });
  });
  test.afterEach(() => {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('no 104 can be sent, and the 201 carries the Location a client resumes with', async () => {
    const created = await engine.handleWeb(
      new Request(endpoint, {
        method: 'POST',
        // Next.js builds a route's Request from the one Node received: its Content-Length comes along.
        headers: { 'Upload-Draft-Interop-Version': '8', 'Upload-Complete': '?0', 'Upload-Length': '11', 'Content-Length': '5' },
        body: 'hello',
      }),
    );
    expect(created.status).toBe(201);
    const location = created.headers.get('location');
    expect(location).toMatch(/^http:\/\/uploads\.test\/files\/[0-9a-f]{32}$/);
    expect(Object.fromEntries([...created.headers].filter(([name]) => name.startsWith('upload-')))).toEqual({
      'upload-draft-interop-version': '8',
      'upload-complete': '?0',
      'upload-offset': '5',
      // The default expiry: 24 h from the last write.
      'upload-limit': expect.stringMatching(/^max-size=1000, max-age=8640\d$/),
    });

    const offset = await engine.handleWeb(new Request(location!, { method: 'HEAD', headers: { 'Upload-Draft-Interop-Version': '8' } }));
    expect([offset.status, offset.headers.get('upload-offset'), offset.headers.get('upload-length')]).toEqual([204, '5', '11']);

    const appended = await engine.handleWeb(
      new Request(location!, {
        method: 'PATCH',
        headers: {
          'Upload-Draft-Interop-Version': '8',
          'Upload-Complete': '?1',
          'Upload-Offset': '5',
          'Content-Type': 'application/partial-upload',
          'Content-Length': '6',
        },
        body: ' world',
      }),
    );
    expect([appended.status, appended.headers.get('upload-complete'), appended.headers.get('location')]).toEqual([201, '?1', location]);
    expect(await (await engine.handleWeb(new Request(location!))).text()).toBe('hello world');
  });
});
