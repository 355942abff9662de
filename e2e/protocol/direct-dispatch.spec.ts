import { createUpload, head, patch, rawRequest, TUS } from '../support/http';
import { expect, test } from './server-fixture';

// serve.ts answers tus methods on exact upload URLs itself, with the route's
// own handler (tus/direct-dispatch.ts), and leaves everything else to
// Next.js. Next.js marks every answer it builds with `Vary: rsc, …`: its
// absence shows who answered.

const servedByNext = (vary: string | string[] | undefined) => /\brsc\b/i.test(String(vary ?? ''));

test('creation, HEAD, PATCH, OPTIONS and DELETE on exact upload URLs are answered without Next.js', async ({ app }) => {
  // serve.ts loads the direct path just after it starts listening; until then Next.js answers.
  await expect
    .poll(async () => servedByNext((await rawRequest(app.endpoint, { method: 'OPTIONS', headers: {} })).headers.vary), { timeout: 30_000 })
    .toBe(false);
  const url = await createUpload(app.endpoint, 5);
  const created = await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': '1' } });
  const answers = [
    created,
    await patch(url, 0, 'hello'),
    await head(url),
    await rawRequest(app.endpoint, { method: 'OPTIONS', headers: {} }),
    await rawRequest(url, { method: 'DELETE', headers: TUS }),
  ];
  expect(answers.map((res) => res.status)).toEqual([201, 204, 200, 204, 204]);
  for (const res of answers) expect(servedByNext(res.headers.vary), JSON.stringify(res.headers)).toBe(false);
});

test('downloads and upload URLs in any other form still go through Next.js', async ({ app }) => {
  const url = await createUpload(app.endpoint, 5);
  await patch(url, 0, 'hello');
  const download = await rawRequest(url, { method: 'GET' });
  expect([download.status, download.text]).toEqual([200, 'hello']);
  expect(servedByNext(download.headers.vary)).toBe(true);
  // A trailing slash reaches Next.js, which redirects it to the upload's URL.
  const slashed = await head(`${url}/`);
  expect([slashed.status, slashed.headers.location]).toEqual([308, new URL(url).pathname]);
});
