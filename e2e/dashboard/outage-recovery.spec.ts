import type { Route } from '@playwright/test';
import path from 'node:path';
import { AppServer } from '../support/app-server';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard, waitForStoredBytes, waitForStoredPieces } from './support/dashboard';
import { expect, test } from './support/fixtures';
import { isFinal, isPiece } from './support/tus-traffic';

// Whatever interrupts an upload, every file resumes by itself once the server
// answers again, and the page says what is going on: "Connection lost —
// retrying in N s" within 2 s, "Reconnected" once bytes flow.

const PIECES = 4;

let app: AppServer;
// A server per test: one test kills and restarts it.
test.beforeEach(async () => {
  app = await AppServer.start({
    env: {
      UPLOAD_PARALLEL_PARTS: String(PIECES),
      UPLOAD_PARALLEL_MIN_SIZE: String(16 * MiB),
      // Several PATCHes per piece: the outage fails the next one of every piece, as a long upload's would.
      UPLOAD_CHUNK_SIZE: String(4 * MiB),
    },
  });
});
test.afterEach(async () => {
  await app?.dispose();
});

test('offline for 20 s in the middle of a file sent in pieces: every piece resumes without a click, byte-exact', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  test.setTimeout(240_000);
  const source = sources.random('offline-pieces.bin', 64 * MiB + 3);
  const name = path.basename(source);
  await network.throttleUpload(2 * MiB);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  // Every piece partly stored: the outage fails each one's next request.
  await waitForStoredPieces(app, traffic, PIECES);

  const connection = page.getByTestId('connection');
  await network.goOffline();
  await page.context().setOffline(true);
  const offlineAt = Date.now();
  await expect(connection).toHaveText(/^Connection lost — /, { timeout: 2_000 });
  console.log(`"connection lost" shown ${Date.now() - offlineAt} ms after going offline`);
  // Every piece's next request fails while offline.
  await page.waitForTimeout(20_000);
  await page.context().setOffline(false);
  await network.goOnline();
  await network.unthrottle();

  await expect(connection).toHaveText('Reconnected', { timeout: 30_000 });
  const final = await traffic.waitFor((e) => isFinal(e) && e.status !== null, 120_000, 'the final upload');
  expect(final.status).toBe(201);
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  expect(traffic.posts().filter(isPiece), 'pieces created: none started again').toHaveLength(PIECES);
  await app.events.waitFor((e) => e.type === 'finished' && e.id === final.createdId, 60_000, 'the final upload to be assembled');
  await expectStoredCopy(app, final.createdId!, source);
});

test('a server that is down for 10 s: "connection lost" within 2 s, a countdown, then the upload resumes by itself', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  test.setTimeout(180_000);
  const source = sources.random('server-down.bin', 12 * MiB + 5);
  const name = path.basename(source);
  await network.throttleUpload(MiB);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const uploadId = await waitForStoredBytes(app, traffic);

  const connection = page.getByTestId('connection');
  await app.kill();
  const killedAt = Date.now();
  await expect(connection).toHaveText(/^Connection lost — retrying in \d+ s$/, { timeout: 2_000 });
  console.log(`"connection lost" shown ${Date.now() - killedAt} ms after the kill`);
  // The speed line agrees: nothing moves, and no time left is promised.
  await expect(page.getByTestId('upload-speed').locator('output')).toHaveText('0 B/s');
  await expect(page.getByTestId('time-left')).toBeHidden();
  // The countdown counts: two different values are shown while the server is down.
  const first = await connection.innerText();
  await expect(connection).not.toHaveText(first, { timeout: 5_000 });
  await expect(fileItem(page, name)).not.toHaveClass(/\bis-error\b/);

  const downFor = 10_000 - (Date.now() - killedAt);
  if (downFor > 0) await page.waitForTimeout(downFor);
  await app.launch();
  await network.unthrottle();
  await expect(connection).toHaveText('Reconnected', { timeout: 30_000 });
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  expect(traffic.posts(), 'one creation: the upload resumed').toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
});

test('a PATCH that hangs without an answer: the file starts again from the server offset after 20 s without progress', async ({
  page,
  sources,
  traffic,
}) => {
  test.setTimeout(120_000);
  const source = sources.random('hangs.bin', 8 * MiB + 9);
  const name = path.basename(source);
  // The second PATCH is held: no answer and no error, as behind a proxy that stopped forwarding.
  let held = false;
  const hold = async (route: Route) => {
    if (held || route.request().method() !== 'PATCH' || route.request().headers()['upload-offset'] === '0') return route.fallback();
    held = true;
    // Never answered (unrouting now would let it through).
    await new Promise<never>(() => undefined);
  };
  await page.route('**/api/upload/*', hold);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  const stuck = await traffic.waitFor((e) => e.method === 'PATCH' && (e.requestOffset ?? 0) > 0, 30_000, 'the PATCH that hangs');

  const head = await traffic.waitFor((e) => e.method === 'HEAD' && e.seq > stuck.seq && e.status === 200, 60_000, 'a HEAD starting again');
  expect(head.responseOffset).toBe(stuck.requestOffset);
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  expect(traffic.posts(), 'one creation: the upload continued').toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
});

for (const status of [500, 503, 423])
  test(`PATCHes answered ${status} for a while (a failing, restarting or busy server): the file completes without a click`, async ({
    page,
    sources,
    traffic,
  }) => {
    const source = sources.random(`answered-${status}.bin`, 8 * MiB + 1);
    const name = path.basename(source);
    // The first three PATCHes after the first one get the error; the server never sees them.
    let refused = 0;
    const refuse = async (route: Route) => {
      const request = route.request();
      if (request.method() !== 'PATCH' || request.headers()['upload-offset'] === '0') return route.fallback();
      refused += 1;
      await route.fulfill({ status, headers: { 'Tus-Resumable': '1.0.0' }, body: `answered ${status}` });
      // Intercepting slows uploads: stop once the failures are in (unrouting first would let this one through).
      if (refused === 3) await page.unroute('**/api/upload/*', refuse);
    };
    await page.route('**/api/upload/*', refuse);
    await openDashboard(page, app);
    await addFiles(page, [source]);
    const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
    await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
    expect(
      traffic.all().filter((e) => e.method === 'PATCH' && e.status === status),
      `PATCHes answered ${status}`,
    ).toHaveLength(3);
    expect(traffic.posts(), 'one creation: the upload continued').toHaveLength(1);
    await expectStoredCopy(app, post.createdId!, source);
  });

test('in 简体中文 the connection line speaks Chinese: lost with a countdown, then reconnected', async ({
  page,
  context,
  sources,
  network,
}) => {
  await context.addCookies([{ name: 'lang', value: 'zh-CN', url: app.baseUrl }]);
  const source = sources.random('中文断线.bin', 8 * MiB + 1);
  await network.throttleUpload(MiB);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  await app.events.waitFor((e) => e.type === 'progress' && (e.offset ?? 0) > 0, 30_000, 'first stored bytes');

  const connection = page.getByTestId('connection');
  await app.kill();
  await expect(connection).toHaveText(/^连接已断开 — \d+ 秒后重试$/, { timeout: 2_000 });
  await app.launch();
  await network.unthrottle();
  await expect(connection).toHaveText('已重新连接', { timeout: 30_000 });
  await expect(fileItem(page, path.basename(source))).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
});
