import fs from 'node:fs';
import path from 'node:path';
import { rawRequest, TUS } from '../support/http';
import { expect, test } from './server-fixture';

// G-03: an upload id never reaches outside the upload folder.

const HOSTILE_IDS = ['..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', 'a%2Fb', 'a%5Cb', 'abc%00', '.json', 'x'.repeat(300)];

for (const id of HOSTILE_IDS) {
  test(`id "${id.length > 40 ? `${id.slice(0, 20)}…` : id}" is 404 for HEAD, PATCH, DELETE and GET`, async ({ app }) => {
    const url = `${app.endpoint}/${id}`;
    const head = await rawRequest(url, { method: 'HEAD', headers: TUS });
    const patch = await rawRequest(url, {
      method: 'PATCH',
      headers: { ...TUS, 'Upload-Offset': 0, 'Content-Type': 'application/offset+octet-stream' },
      body: 'x',
    });
    const del = await rawRequest(url, { method: 'DELETE', headers: TUS });
    const get = await rawRequest(url, { method: 'GET' });
    // Dot segments too: the engine answers every path under the endpoint itself, and none of these is an upload.
    for (const res of [head, patch, del, get]) expect(res.status).toBe(404);
    expect(fs.readdirSync(path.dirname(app.uploadDir)).sort()).toEqual(['events.jsonl', 'uploads']);
  });
}

test('a malformed percent-encoding in the id is a 4xx', async ({ app }) => {
  const res = await rawRequest(`${app.endpoint}/%E0%A4%A`, { method: 'HEAD', headers: TUS });
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
});

test('a method tus does not define is 405', async ({ app }) => {
  const res = await rawRequest(app.endpoint, { method: 'PUT', headers: TUS });
  expect(res.status).toBe(405);
});
