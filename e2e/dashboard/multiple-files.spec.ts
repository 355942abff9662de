import path from 'node:path';
import { AppServer } from '../support/app-server';
import { sha256OfDownload, sha256OfFile } from '../support/files';
import { expect, test } from './support/fixtures';
import { addFiles, fileItem, MiB, openDashboard } from './support/dashboard';

let app: AppServer;
// A server per test: the uploads page lists every completed upload, so a repeated test would see the last one's.
test.beforeEach(async () => {
  app = await AppServer.start();
});
test.afterEach(async () => {
  await app?.dispose();
});

test('three files added at once upload completely, are listed and download byte-identical', async ({ page, sources, traffic }) => {
  // Odd sizes: a byte lost or added at a chunk edge shows up in the hash.
  const files = [
    sources.random('alpha.bin', 3 * MiB + 17),
    sources.random('beta.txt', 1 * MiB - 5),
    sources.random('gamma.dat', 5 * MiB + 1),
  ];
  const names = files.map((file) => path.basename(file));

  await openDashboard(page, app);
  await addFiles(page, files);

  for (const name of names) await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  await expect(page.locator('.uppy-StatusBar')).toHaveClass(/\bis-complete\b/);
  expect(traffic.posts(), traffic.describe()).toHaveLength(3);

  await page.goto(`${app.baseUrl}/uploads`);
  const rows = page.getByTestId('uploads-table').locator('tbody tr[data-upload-id]');
  await expect(rows).toHaveCount(3);
  // Rows are newest first and completion order is not fixed: compare as sets.
  expect((await rows.locator('td.name').allInnerTexts()).sort()).toEqual([...names].sort());

  for (const [index, name] of names.entries()) {
    const row = rows.filter({ has: page.locator('td.name', { hasText: name }) });
    const href = await row.getByRole('link').getAttribute('href');
    expect(href, `download link of ${name}`).toBeTruthy();
    expect(await sha256OfDownload(new URL(href!, app.baseUrl).href), `download of ${name}`).toBe(await sha256OfFile(files[index]));
  }
});
