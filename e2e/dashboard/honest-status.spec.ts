import type { Page, Route } from '@playwright/test';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import {
  addFiles,
  fileItem,
  MiB,
  openDashboard,
  pauseResumeButton,
  waitForRecoverySnapshot,
  waitForStoredBytes,
} from './support/dashboard';
import { expect, test } from './support/fixtures';

// What the page says while files upload is true: time left follows the
// recent rate (also after a reload), and a file still failed keeps the status
// bar in its error state with Retry.

const app = serverForThisFile();

const RATE = MiB;

test('time left is within ±50 % of the truth 5 s after the start and 5 s after a reload', async ({ page, sources, traffic, network }) => {
  test.setTimeout(180_000);
  const source = sources.random('time-left.bin', 24 * MiB + 1);
  const name = path.basename(source);
  await network.throttleUpload(RATE);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  await waitForStoredBytes(app, traffic);
  const atStart = await timeLeftAfter(page, 5_000);

  await waitForRecoverySnapshot(page, name, { withBlob: false });
  await page.reload();
  await network.reapply();
  await expect(page.getByTestId('time-left')).toBeVisible({ timeout: 30_000 });
  const afterReload = await timeLeftAfter(page, 5_000);

  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/, { timeout: 120_000 });
  const finishedAt = Date.now();
  for (const [when, reading] of [
    ['5 s after the start', atStart],
    ['5 s after the reload', afterReload],
  ] as const) {
    const truth = (finishedAt - reading.at) / 1000;
    console.log(`${when}: shown ${reading.seconds} s left, the truth was ${truth.toFixed(1)} s`);
    expect(reading.seconds, `time left ${when} (truth ${truth.toFixed(1)} s)`).toBeGreaterThanOrEqual(0.5 * truth);
    expect(reading.seconds, `time left ${when} (truth ${truth.toFixed(1)} s)`).toBeLessThanOrEqual(1.5 * truth);
  }
});

test('with no rate to trust yet, time left says "calculating…", never "0 s"', async ({ page, sources, network }) => {
  const source = sources.random('calculating.bin', 8 * MiB + 1);
  await network.throttleUpload(RATE);
  await openDashboard(page, app);
  const timeLeft = page.getByTestId('time-left').locator('output');
  await addFiles(page, [source]);
  await expect(timeLeft).toHaveText('calculating…');
  await expect(timeLeft).toHaveText(/^(\d+ min )?\d+ s$/, { timeout: 10_000 });
  await expect(fileItem(page, path.basename(source))).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
});

test('retrying one of two failed files leaves the status bar in its error state, with Retry', async ({ page, sources }) => {
  const files = [sources.random('fails-a.bin', 1 * MiB + 1), sources.random('fails-b.bin', 1 * MiB + 2)];
  // Every PATCH refused for good (a 4xx that is not retried), until the test lets them through.
  const refuse = async (route: Route) => {
    if (route.request().method() !== 'PATCH') return route.fallback();
    await route.fulfill({ status: 403, headers: { 'Tus-Resumable': '1.0.0' }, body: 'Forbidden' });
  };
  await page.route('**/api/upload/*', refuse);
  await openDashboard(page, app);
  await addFiles(page, files);
  const statusBar = page.locator('.uppy-StatusBar');
  await expect(statusBar).toHaveClass(/\bis-error\b/, { timeout: 30_000 });
  for (const file of files) await expect(fileItem(page, path.basename(file))).toHaveClass(/\bis-error\b/);
  await page.unroute('**/api/upload/*', refuse);

  const [retried, stillFailed] = files.map((file) => path.basename(file));
  await pauseResumeButton(page, retried).click();
  await expect(fileItem(page, retried)).toHaveClass(/\bis-complete\b/, { timeout: 30_000 });
  await expect(fileItem(page, stillFailed)).toHaveClass(/\bis-error\b/);
  await expect(statusBar).toHaveClass(/\bis-error\b/);
  await expect(statusBar).not.toHaveClass(/\bis-uploading\b/);
  await expect(statusBar.getByRole('button', { name: /retry/i })).toBeVisible();
});

test('the limits are shown under the drop zone before any file is added', async ({ page }) => {
  await openDashboard(page, app);
  await expect(page.locator('.uppy-Dashboard-note')).toHaveText(
    'Up to 50 GB per file. Unfinished uploads are kept for 24 h after their last bytes.',
  );
});

/** Waits `ms`, then reads the time left shown, in seconds, and when it was read. */
async function timeLeftAfter(page: Page, ms: number): Promise<{ seconds: number; at: number }> {
  await page.waitForTimeout(ms);
  const text = await page.getByTestId('time-left').locator('output').innerText();
  const at = Date.now();
  const match = /^(?:(\d+) h )?(?:(\d+) min )?(?:(\d+) s)?$/.exec(text.trim());
  if (!match || text.trim() === '') throw new Error(`time left is not a duration: "${text}"`);
  const [, hours, minutes, seconds] = match;
  return { seconds: Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0), at };
}
