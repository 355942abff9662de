import { expect, test, type Request as PageRequest } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { randomFile, sha256OfFile } from '../support/files';
import { addFiles, MiB, openDashboard } from './support/dashboard';

// The dashboard in token mode (UPLOAD_TOKEN_SECRET): it fetches the visitor's
// upload token from /api/upload-session, sends it as Authorization: Bearer
// with every tus request (also the pieces of a parallel upload and their
// final), and the uploads page and downloads work through the cookie the
// session route set. Another visitor sees none of it.

const app = serverForThisFile({
  env: {
    UPLOAD_TOKEN_SECRET: 'dashboard-access-secret-0123456789abcdef',
    UPLOAD_PARALLEL_PARTS: '2',
    UPLOAD_PARALLEL_MIN_SIZE: '4MiB',
    UPLOAD_CHUNK_SIZE: '1MiB',
  },
});

test('files upload byte-exact with a bearer token, appear on /uploads and download through the cookie; another visitor sees nothing', async ({
  page,
  browser,
}) => {
  const whole = randomFile('whole.bin', 2 * MiB + 7);
  const pieces = randomFile('pieces.bin', 6 * MiB + 3);
  const tusRequests: PageRequest[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/upload/') || new URL(request.url()).pathname === '/api/upload') {
      tusRequests.push(request);
    }
  });

  await openDashboard(page, app);
  await addFiles(page, [whole, pieces]);
  await expect(page.locator('.uppy-StatusBar.is-complete')).toBeVisible({ timeout: 60_000 });

  // Every tus request of the browser carried the token; none was refused.
  const sent = tusRequests.filter((request) => request.method() !== 'OPTIONS');
  expect(sent.filter((request) => request.method() === 'POST').length, 'one whole upload, two pieces and their final').toBe(4);
  for (const request of sent)
    expect(await request.headerValue('authorization'), `${request.method()} ${request.url()}`).toMatch(/^Bearer \S+\.\S+$/);
  const refused = app.events.all().filter((e) => e.type === 'request' && typeof e.status === 'number' && e.status >= 400);
  expect(refused, 'no request was refused').toEqual([]);

  // The uploads page lists both files for this visitor, and each downloads byte-exact through the cookie.
  await page.goto(`${app.baseUrl}/uploads`);
  const table = page.getByTestId('uploads-table');
  for (const file of [whole, pieces]) {
    const name = file.split('/').pop() ?? '';
    const row = table.locator('tbody tr', { hasText: name });
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'Download' }).click()]);
    const saved = await download.path();
    expect(await sha256OfFile(saved), `${name} as downloaded`).toBe(await sha256OfFile(file));
  }
  const urls = await table.locator('tbody tr a').evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href));
  expect(urls).toHaveLength(2);
  const kept = await table
    .locator('tbody tr', { hasText: 'pieces.bin' })
    .getByRole('link', { name: 'Download' })
    .evaluate((link) => (link as HTMLAnchorElement).href);

  // The Delete button works through the cookie too (same-origin fetch, no Authorization header).
  const deleted = app.events.all().length;
  const wholeRow = table.locator('tbody tr', { hasText: 'whole.bin' });
  page.once('dialog', (dialog) => void dialog.accept());
  await wholeRow.getByRole('button', { name: 'Delete' }).click();
  await expect(wholeRow).toHaveCount(0);
  expect(
    app.events
      .all()
      .slice(deleted)
      .filter((e) => e.type === 'request' && e.method === 'DELETE')
      .map((e) => e.status),
  ).toEqual([204]);

  // Another visitor (a fresh browser context, no cookie): an empty list, and the download URLs answer 401, then 404 with a token of their own.
  const stranger = await browser.newContext();
  try {
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(`${app.baseUrl}/uploads`);
    await expect(strangerPage.getByTestId('uploads-empty')).toBeVisible();
    expect((await stranger.request.get(kept)).status(), 'no cookie yet').toBe(401);
    const session = await stranger.request.get(`${app.baseUrl}/api/upload-session`);
    expect(session.status()).toBe(200);
    expect((await stranger.request.get(kept)).status(), 'with a cookie of their own').toBe(404);
    expect((await page.request.get(kept)).status(), 'while its owner still downloads it').toBe(200);
    await strangerPage.goto(`${app.baseUrl}/uploads`);
    await expect(strangerPage.getByTestId('uploads-empty')).toBeVisible();
  } finally {
    await stranger.close();
  }
});
