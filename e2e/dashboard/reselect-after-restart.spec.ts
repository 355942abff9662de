import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import {
  addFiles,
  expectResumedFromServerOffset,
  fileItem,
  MiB,
  openDashboard,
  stopServiceWorkers,
  waitForRecoverySnapshot,
  waitForStoredBytes,
} from './support/dashboard';
import { expect, test } from './support/fixtures';

const app = serverForThisFile();

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
  const uploadId = await waitForStoredBytes(app, traffic);
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
  // Only the question whether it had finished meanwhile (settle-finished-restores.ts): no byte, no new upload, no DELETE.
  await traffic.waitFor((e) => e.pageLoad > loadBeforeReload && e.method === 'HEAD' && e.status !== null, 10_000, 'the finished check');
  expect(
    traffic
      .all()
      .filter((e) => e.pageLoad > loadBeforeReload)
      .map((e) => `${e.method} ${e.uploadId}`),
    'nothing but a HEAD is sent for a file whose bytes are gone',
  ).toEqual([`HEAD ${uploadId}`]);

  await page.getByTestId('reselect-input').setInputFiles(source);
  await expect(banner).toBeHidden();

  await expectResumedFromServerOffset(page, app, traffic, {
    id: uploadId,
    name,
    source,
    afterInterruption: (e) => e.pageLoad > loadBeforeReload,
  });
});
