import type { Page, Route } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { addFiles, expectStoredCopy, expectUploadDeleted, fileItem, MiB, openDashboard } from './support/dashboard';
import { expect, test, type SourceFiles } from './support/fixtures';
import type { PageNetwork } from './support/network';
import type { TusTraffic } from './support/tus-traffic';

const app = serverForThisFile();

test('removing a file mid-upload deletes the upload on the server', async ({ page, sources, traffic, network }) => {
  await cancelMidUpload(page, sources, traffic, network, 'remove-me.bin', async (name) => {
    await fileItem(page, name).locator('button.uppy-Dashboard-Item-action--remove').click();
  });
});

test("the status bar's cancel deletes the upload on the server", async ({ page, sources, traffic, network }) => {
  await cancelMidUpload(page, sources, traffic, network, 'cancel-all.bin', async () => {
    await page.locator('.uppy-StatusBar button[data-cy="cancel"]').click();
  });
});

test('removing a file whose upload failed for good deletes its upload on the server', async ({ page, sources, traffic }) => {
  const source = sources.random('failed.bin', 2 * MiB);
  const name = path.basename(source);
  // A 403 is final for tus-js-client: the file ends in error, its uploader discarded.
  const refuse = async (route: Route) => {
    if (route.request().method() !== 'PATCH') return route.fallback();
    await route.fulfill({ status: 403, headers: { 'Tus-Resumable': '1.0.0' }, body: 'Forbidden' });
  };
  await page.route('**/api/upload/*', refuse);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  await expect(fileItem(page, name)).toHaveClass(/\bis-error\b/);
  await page.unroute('**/api/upload/*', refuse);
  expect(fs.existsSync(path.join(app.uploadDir, `${uploadId}.json`)), 'the upload exists on the server').toBe(true);

  await fileItem(page, name).locator('button.uppy-Dashboard-Item-action--remove').click();
  await expect(fileItem(page, name)).toHaveCount(0);
  await expectUploadDeleted(app, traffic, uploadId);
});

test('saying no to the question keeps the upload going, and deletes nothing', async ({ page, sources, traffic, network }) => {
  const { source, name, uploadId } = await uploadUntilBytesAreStored(page, sources, traffic, network, 'keep-me.bin');

  const dismissed = new Promise<void>((resolve) => {
    page.once('dialog', (dialog) => void dialog.dismiss().then(resolve));
  });
  await page.locator('.uppy-StatusBar button[data-cy="cancel"]').click();
  await dismissed;
  await network.unthrottle();
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  expect(
    traffic.forUpload(uploadId).filter((e) => e.method === 'DELETE'),
    'DELETE requests',
  ).toEqual([]);
  await expectStoredCopy(app, uploadId, source);
});

async function cancelMidUpload(
  page: Page,
  sources: SourceFiles,
  traffic: TusTraffic,
  network: PageNetwork,
  fileName: string,
  cancel: (name: string) => Promise<void>,
): Promise<void> {
  const { name, uploadId } = await uploadUntilBytesAreStored(page, sources, traffic, network, fileName);
  const dataFile = path.join(app.uploadDir, uploadId);
  expect(fs.existsSync(dataFile) && fs.existsSync(`${dataFile}.json`), 'the upload exists on disk before the cancel').toBe(true);

  // Bytes are on the server: the page asks once before deleting them.
  const asked = new Promise<string>((resolve) => {
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    });
  });
  await cancel(name);
  expect(await asked).toBe(`“${name}” is partly uploaded. Cancel it and delete what the server has received?`);
  await expect(fileItem(page, name)).toHaveCount(0);

  await expectUploadDeleted(app, traffic, uploadId);
}

/** Starts a slow upload of 8 MiB and waits until the server has stored some of its bytes. */
async function uploadUntilBytesAreStored(
  page: Page,
  sources: SourceFiles,
  traffic: TusTraffic,
  network: PageNetwork,
  fileName: string,
): Promise<{ source: string; name: string; uploadId: string }> {
  const source = sources.random(fileName, 8 * MiB);
  await network.throttleUpload(512 * 1024);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');
  return { source, name: path.basename(source), uploadId };
}
