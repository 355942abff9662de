import path from 'node:path';
import type { Page } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard, waitForRecoverySnapshot, waitForStoredBytes } from './support/dashboard';
import { expect, test } from './support/fixtures';

const app = serverForThisFile();

/** Golden Retriever's recovery snapshot records, exactly as stored in IndexedDB. */
type SnapshotRecords = unknown[];

function readSnapshot(page: Page): Promise<SnapshotRecords> {
  return page.evaluate(
    () =>
      new Promise<unknown[]>((resolve, reject) => {
        const open = indexedDB.open('uppy-blobs');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('metadata').objectStore('metadata').getAll();
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result);
          };
          request.onerror = () => reject(request.error);
        };
      }),
  );
}

function writeSnapshot(page: Page, records: SnapshotRecords): Promise<void> {
  return page.evaluate(
    (saved) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('uppy-blobs');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const transaction = open.result.transaction('metadata', 'readwrite');
          for (const record of saved) transaction.objectStore('metadata').put(record);
          transaction.oncomplete = () => {
            open.result.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    records,
  );
}

/** Whether the snapshot shows every file complete: Golden Retriever has saved the state after the upload. */
function savedAsComplete(records: SnapshotRecords): boolean {
  return records.some((record) => {
    const files = (
      JSON.parse((record as { metadata: string }).metadata) as { files?: Record<string, { progress?: { uploadComplete?: boolean } }> }
    ).files;
    const all = Object.values(files ?? {});
    return all.length > 0 && all.every((file) => file.progress?.uploadComplete === true);
  });
}

// Golden Retriever saves its snapshot at most every 500 ms: leaving the page
// (a quick click to another page, a closed tab, a crash) right after an upload
// finished restores the last snapshot from while it was uploading. The test
// makes that window certain by putting such a snapshot back, as the browser
// would have left it.
test('a file that finished just before the page went away does not come back as one to re-select, and stays on the server', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  const source = sources.random('finished-then-left.bin', 2 * MiB);
  const name = path.basename(source);
  await network.throttleUpload(512 * 1024);

  await openDashboard(page, app);
  await addFiles(page, [source]);
  const uploadId = await waitForStoredBytes(app, traffic);
  await waitForRecoverySnapshot(page, name, { withBlob: false });
  const whileUploading = await readSnapshot(page);
  expect(savedAsComplete(whileUploading)).toBe(false);

  await network.unthrottle();
  await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 60_000, 'the upload to finish');
  await expect
    .poll(async () => savedAsComplete(await readSnapshot(page)), { message: 'Golden Retriever to save the finished state' })
    .toBe(true);
  await writeSnapshot(page, whileUploading);

  await page.reload();
  await expect(page.locator('.uppy-Dashboard-AddFiles-title')).toBeVisible();
  await expect(page.getByTestId('reselect-banner')).toHaveCount(0);
  await expect(fileItem(page, name)).toHaveCount(0);
  // The check asked the server; it deleted nothing and uploaded nothing again.
  await expectStoredCopy(app, uploadId, source);
  expect(
    traffic
      .all()
      .filter((e) => e.method === 'DELETE' || e.method === 'POST')
      .map((e) => e.method),
  ).toEqual(['POST']);
});
