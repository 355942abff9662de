import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { addFiles, fileItem, MiB, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

const THROTTLE_BYTES_PER_SECOND = 256 * 1024;

const app = serverForThisFile();

test('the speed line shows the rate of a running upload, and idle before and after', async ({ page, sources, network }) => {
  const source = sources.random('speed.bin', 4 * MiB);
  const output = page.getByTestId('upload-speed').locator('output');
  await network.throttleUpload(THROTTLE_BYTES_PER_SECOND);
  await openDashboard(page, app);
  await expect(output).toHaveText('idle');

  await addFiles(page, [source]);
  // The line follows the real rate: the throttled one, give or take the averaging window's ramp.
  await expect
    .poll(async () => parseRate(await output.innerText()) ?? 0, { timeout: 30_000, message: 'the upload rate shown' })
    .toBeGreaterThan(0.5 * THROTTLE_BYTES_PER_SECOND);
  expect(parseRate(await output.innerText())).toBeLessThan(1.5 * THROTTLE_BYTES_PER_SECOND);
  await expect(fileItem(page, path.basename(source))).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  await expect(output).toHaveText('idle');
});

/** "256 KB/s" (Uppy's units: powers of 1024) → bytes per second; null for "idle" or anything else. */
function parseRate(text: string): number | null {
  const match = /^([\d.]+) (B|KB|MB|GB)\/s$/.exec(text.trim());
  if (!match) return null;
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[match[2] as 'B' | 'KB' | 'MB' | 'GB'];
  return Number(match[1]) * unit;
}
