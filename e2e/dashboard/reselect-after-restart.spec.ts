import path from 'node:path';
import { AppServer } from '../support/app-server';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard, stopServiceWorkers, waitForRecoverySnapshot } from './support/dashboard';
import { expect, test } from './support/fixtures';

let app: AppServer;
test.beforeAll(async () => {
  app = await AppServer.start();
});
test.afterAll(async () => {
  await app?.dispose();
});

test('after a browser restart, a file too large for IndexedDB asks to be re-selected, then resumes from the server offset', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  // Over Golden Retriever's 10 MiB IndexedDB limit: once the service worker is gone, only its name and upload URL are left.
  const source = sources.random('too-big-to-keep.bin', 12 * MiB + 7);
  const name = path.basename(source);
  await network.throttleUpload(1024 * 1024);

  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');
  await waitForRecoverySnapshot(page, name, { withBlob: false });
  const loadBeforeReload = traffic.all().at(-1)!.pageLoad;

  // A browser restart: the worker that held the file is gone, IndexedDB could not keep it.
  await stopServiceWorkers(page);
  await page.reload();
  await network.reapply();
  const banner = page.getByTestId('reselect-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(name);
  await expect(fileItem(page, name)).toHaveClass(/\bis-ghost\b/);
  expect(
    traffic.all().filter((e) => e.pageLoad > loadBeforeReload),
    'nothing is sent for a file whose bytes are gone',
  ).toEqual([]);

  await page.getByTestId('reselect-input').setInputFiles(source);
  await expect(banner).toBeHidden();

  const head = await traffic.waitFor(
    (e) => e.method === 'HEAD' && e.uploadId === uploadId && e.pageLoad > loadBeforeReload && e.status !== null,
    60_000,
    'the resume HEAD after re-selecting',
  );
  expect(head.status).toBe(200);
  expect(head.responseOffset ?? 0, 'offset the server kept').toBeGreaterThan(0);
  const nextPatch = await traffic.waitFor(
    (e) => e.method === 'PATCH' && e.uploadId === uploadId && e.seq > head.seq,
    60_000,
    'the first PATCH after the resume HEAD',
  );
  expect(nextPatch.requestOffset).toBe(head.responseOffset);

  await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 90_000, 'the upload to finish');
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);
  expect(traffic.posts(), `exactly one upload created\n${traffic.describe()}`).toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
});
