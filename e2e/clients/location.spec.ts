import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { rawRequest, TUS } from '../support/http';

// The Location of a new upload is the URL clients will PATCH: behind a TLS
// proxy it must be the public https URL, and forwarded headers must only be
// believed when the operator says a proxy sets them.

const PROXIED = {
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'uploads.example.com',
};

async function locationOf(app: AppServer, headers: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': 10, ...headers } });
  expect(res.status, res.text).toBe(201);
  expect(typeof res.headers.location).toBe('string');
  return res.headers.location!;
}

/** The Location names a real upload: the id after the prefix answers HEAD on the server itself. */
async function expectUploadAt(app: AppServer, location: string, prefix: string): Promise<void> {
  expect(location.startsWith(prefix), `${location} starts with ${prefix}`).toBe(true);
  const id = location.slice(prefix.length);
  expect(id).toMatch(/^[^/?#]+$/);
  const head = await rawRequest(`${app.endpoint}/${id}`, { method: 'HEAD', headers: { ...TUS } });
  expect(head.status).toBe(200);
  expect(head.headers['upload-length']).toBe('10');
}

test.describe('with TRUST_PROXY=true', () => {
  let app: AppServer;
  test.beforeAll(async () => {
    app = await AppServer.start({ env: { TRUST_PROXY: 'true' } });
  });
  test.afterAll(async () => {
    await app?.dispose();
  });

  test('X-Forwarded-Proto and X-Forwarded-Host make the Location public', async () => {
    const location = await locationOf(app, PROXIED);
    await expectUploadAt(app, location, 'https://uploads.example.com/api/upload/');
  });

  test('the standard Forwarded header does the same', async () => {
    const location = await locationOf(app, { Forwarded: 'proto=https;host=uploads.example.com' });
    await expectUploadAt(app, location, 'https://uploads.example.com/api/upload/');
    const quoted = await locationOf(app, { Forwarded: 'for=203.0.113.7;proto=https;host="uploads.example.com:8443"' });
    await expectUploadAt(app, quoted, 'https://uploads.example.com:8443/api/upload/');
  });

  test('without forwarded headers the Location is the address the request came to', async () => {
    await expectUploadAt(app, await locationOf(app), `http://127.0.0.1:${app.port}/api/upload/`);
  });
});

test.describe('without TRUST_PROXY', () => {
  let app: AppServer;
  test.beforeAll(async () => {
    app = await AppServer.start();
  });
  test.afterAll(async () => {
    await app?.dispose();
  });

  test('forwarded headers are ignored: anyone could send them', async () => {
    const prefix = `http://127.0.0.1:${app.port}/api/upload/`;
    await expectUploadAt(app, await locationOf(app, PROXIED), prefix);
    await expectUploadAt(app, await locationOf(app, { Forwarded: 'proto=https;host=evil.example.com' }), prefix);
    await expectUploadAt(app, await locationOf(app), prefix);
  });
});

test.describe('with PUBLIC_URL', () => {
  let app: AppServer;
  test.beforeAll(async () => {
    app = await AppServer.start({ env: { PUBLIC_URL: 'https://files.example.com/base', TRUST_PROXY: 'true' } });
  });
  test.afterAll(async () => {
    await app?.dispose();
  });

  test('the Location is under the configured public URL, whatever the request says', async () => {
    const prefix = 'https://files.example.com/base/api/upload/';
    await expectUploadAt(app, await locationOf(app), prefix);
    // PUBLIC_URL wins over forwarded headers, even when they are trusted.
    await expectUploadAt(app, await locationOf(app, PROXIED), prefix);
    // Creation-with-upload gets the same Location.
    const res = await rawRequest(app.endpoint, {
      method: 'POST',
      headers: { ...TUS, 'Upload-Length': 10, 'Content-Type': 'application/offset+octet-stream' },
      body: Buffer.from('0123456789'),
    });
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('10');
    expect(res.headers.location?.startsWith(prefix)).toBe(true);
  });
});
