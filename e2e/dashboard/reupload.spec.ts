import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { randomFile, sha256OfFile } from '../support/files';

// removeFingerprintOnSuccess: a finished file added again is uploaded again,
// not "resumed" to an instant success against the old upload.

const app = serverForThisFile();

test('the same file added again after it finished is really uploaded again', async ({ page }) => {
  const file = randomFile('again.bin', 2 * 1024 * 1024);
  const input = page.locator('input.uppy-Dashboard-input[name="files[]"]').first();
  const finishedUploads = () => app.events.all().filter((e) => e.type === 'finished');

  await page.goto(app.baseUrl);
  await input.setInputFiles(file);
  await app.events.waitFor(() => finishedUploads().length === 1, 60_000, 'the first upload to finish');
  await expect(page.locator('.uppy-StatusBar.is-complete')).toBeVisible();
  // No fingerprint is left behind to "resume" from.
  expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('tus::')))).toEqual([]);

  // Clear the dashboard, then add the very same file.
  await page.evaluate(() => (window as unknown as { uppy: { clear(): void } }).uppy.clear());
  await input.setInputFiles(file);
  await app.events.waitFor(() => finishedUploads().length === 2, 60_000, 'the second upload to finish');

  const [first, second] = finishedUploads();
  expect(second.id).not.toBe(first.id);
  const posts = app.events.all().filter((e) => e.type === 'request' && e.method === 'POST');
  expect(posts.map((e) => e.id)).toEqual([first.id, second.id]);
  // Its bytes really travelled: a PATCH of the second upload was answered with the full offset.
  await app.events.waitFor(
    (e) => e.type === 'request' && e.method === 'PATCH' && e.id === second.id && e.responseOffset === 2 * 1024 * 1024,
    10_000,
    'the PATCH that completed the second upload',
  );
  const expected = await sha256OfFile(file);
  for (const upload of [first, second]) expect(await sha256OfFile(`${app.uploadDir}/${upload.id}`)).toBe(expected);
});
