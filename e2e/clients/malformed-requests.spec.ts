import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { sha256 } from '../support/files';
import { createUpload, patch, rawRequest, TUS } from '../support/http';

// Malformed upload URLs and headers get a 4xx: never a 500, never a crash,
// never a file touched outside the upload folder.

const app = serverForThisFile();

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

/** A request with the path sent exactly as written (no URL normalisation of `..` or `%`). */
function requestPath(method: string, rawPath: string, headers: Record<string, string | number> = {}, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.port, method, path: rawPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const BAD_IDS = [
  '%E0%A4%A', // truncated percent-encoding: not UTF-8
  '%ZZ',
  '..%2F..%2Fetc%2Fpasswd',
  '..%2Fevents.jsonl',
  '%2E%2E%2Fevents.jsonl',
  'a%2Fb',
  '..%5C..%5Cwin.ini',
  '%00',
  'abc%00def',
];

test('malformed or traversing upload ids get a 4xx for every method', async () => {
  const secret = path.join(path.dirname(app.uploadDir), 'events.jsonl');
  const secretBefore = fs.readFileSync(secret);
  for (const id of BAD_IDS) {
    const target = `/api/upload/${id}`;
    const answers: Array<[string, Answer]> = [
      ['GET', await requestPath('GET', target)],
      ['GET+Range', await requestPath('GET', target, { Range: 'bytes=0-10' })],
      ['HEAD', await requestPath('HEAD', target, { ...TUS })],
      [
        'PATCH',
        await requestPath(
          'PATCH',
          target,
          { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': 5 },
          Buffer.from('owned'),
        ),
      ],
      ['DELETE', await requestPath('DELETE', target, { ...TUS })],
      ['OPTIONS', await requestPath('OPTIONS', target)],
    ];
    for (const [method, answer] of answers) {
      if (method === 'OPTIONS') {
        // OPTIONS describes the server whatever the path: not an error, and harmless.
        expect(answer.status, `${method} ${target}`).toBeLessThan(300);
        continue;
      }
      expect(answer.status, `${method} ${target}: ${answer.body}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${method} ${target}: ${answer.body}`).toBeLessThan(500);
    }
    // A download never serves anything but an upload.
    expect((await requestPath('GET', target)).body).not.toContain('"type":"request"');
  }
  expect(app.running).toBe(true);
  // Nothing escaped the upload folder: the event log beside it only grew (appends), never got 'owned'.
  const secretAfter = fs.readFileSync(secret);
  expect(secretAfter.subarray(0, secretBefore.length).equals(secretBefore)).toBe(true);
  expect(secretAfter.includes(Buffer.from('owned'))).toBe(false);
  expect(fs.readdirSync(path.dirname(app.uploadDir)).sort()).toEqual(['events.jsonl', 'uploads']);
  expect(fs.readdirSync(app.uploadDir)).toEqual([]);
});

test('a bare dot-segment id names no upload: 404, and nothing outside the upload folder is touched', async () => {
  // The engine takes every path under the endpoint as sent; `..` (encoded or not) is no upload id.
  for (const id of ['..', '%2E%2E', '.%2E']) {
    for (const method of ['GET', 'HEAD', 'PATCH', 'DELETE']) {
      const patchHeaders: Record<string, string | number> =
        method === 'PATCH' ? { 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream' } : {};
      const res = await requestPath(method, `/api/upload/${id}`, { ...TUS, ...patchHeaders });
      expect(res.status, `${method} /api/upload/${id}`).toBe(404);
    }
  }
  expect(fs.readdirSync(path.dirname(app.uploadDir)).sort()).toEqual(['events.jsonl', 'uploads']);
  expect(app.running).toBe(true);
});

test('malformed tus headers get a 4xx, not a 500', async () => {
  const url = await createUpload(app.endpoint, 100);
  const cases: Array<[string, string, Record<string, string | number>, Buffer | undefined]> = [
    ['POST, negative length', app.endpoint, { ...TUS, 'Upload-Length': '-1' }, undefined],
    ['POST, length not a number', app.endpoint, { ...TUS, 'Upload-Length': 'lots' }, undefined],
    ['POST, length with a leading zero', app.endpoint, { ...TUS, 'Upload-Length': '05' }, undefined],
    ['POST, deferred length not 1', app.endpoint, { ...TUS, 'Upload-Defer-Length': 'yes' }, undefined],
    ['POST, huge length', app.endpoint, { ...TUS, 'Upload-Length': '99999999999999999999999' }, undefined],
    ['POST, bad metadata', app.endpoint, { ...TUS, 'Upload-Length': 10, 'Upload-Metadata': 'filename %%%%,,' }, undefined],
    ['POST, no tus version', app.endpoint, { 'Upload-Length': 10 }, undefined],
    [
      'PATCH, offset not a number',
      url,
      { ...TUS, 'Upload-Offset': 'x', 'Content-Type': 'application/offset+octet-stream' },
      Buffer.alloc(5),
    ],
    ['PATCH, wrong offset', url, { ...TUS, 'Upload-Offset': 50, 'Content-Type': 'application/offset+octet-stream' }, Buffer.alloc(5)],
    ['PATCH, wrong content type', url, { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'text/plain' }, Buffer.alloc(5)],
    [
      'PATCH, body past the length',
      url,
      { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream' },
      Buffer.alloc(101),
    ],
    ['GET, absurd range', url, { Range: 'bytes=99999999999999999999999-' }, undefined],
  ];
  for (const [what, target, headers, body] of cases) {
    const res = await rawRequest(target, { method: what.split(',')[0], headers, body });
    expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400);
    expect(res.status, `${what}: ${res.text}`).toBeLessThan(500);
  }
  expect(app.running).toBe(true);

  // The upload those requests aimed at is intact and still works.
  const data = randomBytes(100);
  const head = await rawRequest(url, { method: 'HEAD', headers: { ...TUS } });
  expect(head.headers['upload-offset']).toBe('0');
  expect((await patch(url, 0, data)).status).toBe(204);
  expect(sha256((await rawRequest(url, { method: 'GET' })).body)).toBe(sha256(data));
  expect(app.events.all().filter((e) => e.type === 'request' && (e.status ?? 0) >= 500)).toEqual([]);
});
