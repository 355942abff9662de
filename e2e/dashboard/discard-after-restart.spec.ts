import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import {
  addFiles,
  expectUploadDeleted,
  fileItem,
  MiB,
  openDashboard,
  stopServiceWorkers,
  waitForRecoverySnapshot,
  waitForRemovalFromSnapshot,
  waitForStoredBytes,
} from './support/dashboard';
import { expect, test } from './support/fixtures';

const app = serverForThisFile();

test('discarding a file the browser could not keep (after a browser restart) deletes its partial upload on the server', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  const source = sources.random('discard-me.bin', 12 * MiB);
  const name = path.basename(source);
  await network.throttleUpload(1024 * 1024);

  await openDashboard(page, app);
  await addFiles(page, [source]);
  const uploadId = await waitForStoredBytes(app, traffic);
  await waitForRecoverySnapshot(page, name, { withBlob: false });

  // A browser restart: the worker that held the file is gone, IndexedDB could not keep it.
  await stopServiceWorkers(page);
  await page.reload();
  const banner = page.getByTestId('reselect-banner');
  await expect(banner).toContainText(name);
  await banner.getByRole('button', { name: 'Discard' }).click();
  await expect(banner).toBeHidden();
  await expect(fileItem(page, name)).toHaveCount(0);

  await expectUploadDeleted(app, traffic, uploadId);
  // Nothing left in the browser that would try to resume it.
  expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tus::')))).toEqual([]);

  // And it does not come back with the next visit.
  await waitForRemovalFromSnapshot(page, name);
  await page.reload();
  await expect(page.locator('.uppy-Dashboard-AddFiles-title')).toBeVisible();
  await expect(page.getByTestId('reselect-banner')).toHaveCount(0);
  await expect(fileItem(page, name)).toHaveCount(0);
});
