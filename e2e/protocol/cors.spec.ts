import { test as base, expect } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { createUpload, headerTokens, patch, rawRequest, TUS, type RawResponse } from '../support/http';

// G-01: browsers on other origins must be able to speak tus to the endpoint.

const test = base.extend<object, { open: AppServer; restricted: AppServer }>({
  open: [
    async ({}, use) => {
      const app = await AppServer.start();
      await use(app);
      await app.dispose();
    },
    { scope: 'worker' },
  ],
  restricted: [
    async ({}, use) => {
      const app = await AppServer.start({ env: { CORS_ALLOWED_ORIGINS: 'https://app.example.com,https://admin.example.com' } });
      await use(app);
      await app.dispose();
    },
    { scope: 'worker' },
  ],
});

/** What a browser page must be allowed to send: every tus request header, the checksum and concatenation ones included. */
const ALLOWED = [
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Offset',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Concat',
  'Upload-Checksum',
  'X-HTTP-Method-Override',
  'Content-Type',
];

/** What a browser page must be allowed to read: every tus response header (issue 3 contract). */
const EXPOSED = [
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Expires',
  'Upload-Concat',
  'Location',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
];

/** Header names are case-insensitive: compare the lists in lower case. */
const lowerTokens = (res: RawResponse, name: string) => headerTokens(res, name).map((token) => token.toLowerCase());

/** The list header `name` names every one of `names` (a list of header names, so in any case). */
function expectListsAll(res: RawResponse, name: string, names: string[], what = name): void {
  expect(lowerTokens(res, name), what).toEqual(expect.arrayContaining(names.map((entry) => entry.toLowerCase())));
}

/** One response of each kind the endpoint gives, sent from a page on `origin`: successes and errors. */
async function responsesFrom(app: AppServer, origin: string): Promise<Record<string, RawResponse>> {
  const headers = { ...TUS, Origin: origin };
  const url = await createUpload(app.endpoint, 10);
  const unknown = `${app.endpoint}/0123456789abcdef0123456789abcdef`;
  return {
    'POST 201': await rawRequest(app.endpoint, { method: 'POST', headers: { ...headers, 'Upload-Length': 1 } }),
    'PATCH 204': await patch(url, 0, 'hello', { Origin: origin }),
    'PATCH 409': await patch(url, 0, 'hello', { Origin: origin }),
    'HEAD 200': await rawRequest(url, { method: 'HEAD', headers }),
    'HEAD 404': await rawRequest(unknown, { method: 'HEAD', headers }),
    'POST 412': await rawRequest(app.endpoint, { method: 'POST', headers: { Origin: origin, 'Upload-Length': 1 } }),
    'DELETE 204': await rawRequest(url, { method: 'DELETE', headers }),
  };
}

test('G-01 by default any origin may send every tus header, the checksum and concatenation ones included', async ({ open }) => {
  const preflight = await rawRequest(open.endpoint, {
    method: 'OPTIONS',
    headers: { Origin: 'https://elsewhere.example', 'Access-Control-Request-Method': 'PATCH' },
  });
  expect(preflight.headers['access-control-allow-origin']).toBe('*');
  expectListsAll(preflight, 'Access-Control-Allow-Headers', ALLOWED);
  expect(headerTokens(preflight, 'Access-Control-Allow-Methods')).toEqual(
    expect.arrayContaining(['POST', 'GET', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS']),
  );
  expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
});

/** Checks the status each response was meant to get, so a list check never runs on the wrong answer. */
function expectStatuses(responses: Record<string, RawResponse>): void {
  for (const [what, res] of Object.entries(responses)) expect(res.status, what).toBe(Number(what.split(' ')[1]));
}

test('G-01 every response, errors included, exposes every tus header to any origin', async ({ open }) => {
  const responses = await responsesFrom(open, 'https://elsewhere.example');
  expectStatuses(responses);
  for (const [what, res] of Object.entries(responses)) {
    expect(res.headers['access-control-allow-origin'], what).toBe('*');
    expectListsAll(res, 'Access-Control-Expose-Headers', EXPOSED, what);
  }
});

test('G-01 a listed origin is reflected with Vary: Origin on the preflight and on every response', async ({ restricted }) => {
  const origin = 'https://admin.example.com';
  const preflight = await rawRequest(restricted.endpoint, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
  });
  expect(preflight.headers['access-control-allow-origin']).toBe(origin);
  expect(lowerTokens(preflight, 'Vary')).toContain('origin');
  expectListsAll(preflight, 'Access-Control-Allow-Headers', ALLOWED);
  const responses = await responsesFrom(restricted, origin);
  expectStatuses(responses);
  for (const [what, res] of Object.entries(responses)) {
    expect(res.headers['access-control-allow-origin'], what).toBe(origin);
    expect(lowerTokens(res, 'Vary'), what).toContain('origin');
    expectListsAll(res, 'Access-Control-Expose-Headers', EXPOSED, what);
  }
});

test('G-01 an origin that is not listed is not allowed', async ({ restricted }) => {
  const res = await rawRequest(restricted.endpoint, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
  expect(res.headers['access-control-allow-origin']).not.toBe('https://evil.example');
  expect(res.headers['access-control-allow-origin']).not.toBe('*');
});
