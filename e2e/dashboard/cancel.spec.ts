import type { Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { AppServer } from '../support/app-server';
import { randomFile } from '../support/files';
import { addFiles, fileItem, MiB, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';
import type { PageNetwork } from './support/network';
import type { TusTraffic } from './support/tus-traffic';

let app: AppServer;
test.beforeAll(async () => {
  app = await AppServer.start();
});
test.afterAll(async () => {
  await app?.dispose();
});

test('removing a file mid-upload deletes the upload on the server', async ({ page, traffic, network }) => {
  await cancelMidUpload(page, traffic, network, 'remove-me.bin', async (name) => {
    await fileItem(page, name).locator('button.uppy-Dashboard-Item-action--remove').click();
  });
});

test("the status bar's cancel deletes the upload on the server", async ({ page, traffic, network }) => {
  await cancelMidUpload(page, traffic, network, 'cancel-all.bin', async () => {
    await page.locator('.uppy-StatusBar button[data-cy="cancel"]').click();
  });
});

async function cancelMidUpload(
  page: Page,
  traffic: TusTraffic,
  network: PageNetwork,
  fileName: string,
  cancel: (name: string) => Promise<void>,
): Promise<void> {
  const source = randomFile(fileName, 8 * MiB);
  const name = path.basename(source);
  await network.throttleUpload(512 * 1024);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  const dataFile = path.join(app.uploadDir, uploadId);
  const infoFile = `${dataFile}.json`;
  await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');
  expect(fs.existsSync(dataFile) && fs.existsSync(infoFile), 'the upload exists on disk before the cancel').toBe(true);

  await cancel(name);
  await expect(fileItem(page, name)).toHaveCount(0);

  const deleted = await app.events.waitFor(
    (e) => e.type === 'request' && e.method === 'DELETE' && e.id === uploadId,
    30_000,
    'the DELETE of the cancelled upload',
  );
  expect(deleted.status).toBe(204);
  await app.events.waitFor((e) => e.type === 'terminated' && e.id === uploadId, 10_000, 'the termination event');
  const browserDelete = await traffic.waitFor(
    (e) => e.method === 'DELETE' && e.uploadId === uploadId && e.status !== null,
    10_000,
    "the DELETE's answer in the browser",
  );
  expect(browserDelete.status).toBe(204);
  expect(fs.existsSync(dataFile), 'upload data left on disk').toBe(false);
  expect(fs.existsSync(infoFile), 'upload info file left on disk').toBe(false);
  expect(fs.readdirSync(app.uploadDir).filter((entry) => entry.startsWith(uploadId) || entry.startsWith(`.${uploadId}`))).toEqual([]);
}
