import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

// Limits are said before a file is chosen, a file over the limit stays in
// the list with its reason, and failures are told in a short sentence of
// the page's language, not in the client library's words.

const app = serverForThisFile({ env: { UPLOAD_MAX_SIZE: '1MiB', UPLOAD_EXPIRES_AFTER: '2h' } });

test('a file over the limit stays in the list, failed, with the limit as its reason, and is never sent', async ({
  page,
  sources,
  traffic,
}) => {
  const tooLarge = sources.random('too-large.bin', 2 * MiB);
  const fits = sources.random('fits.bin', 512 * 1024);
  await openDashboard(page, app);
  await expect(page.locator('.uppy-Dashboard-note')).toHaveText(
    'Up to 1 MB per file. Unfinished uploads are kept for 2 h after their last bytes.',
  );
  await addFiles(page, [tooLarge, fits]);

  const refused = fileItem(page, path.basename(tooLarge));
  await expect(refused).toHaveClass(/\bis-error\b/);
  // One unit system on the page: Uppy's own file size and our limit speak the same units.
  await expect(refused.locator('.uppy-Dashboard-Item-statusSize')).toHaveText('2 MB');
  await expect(refused.locator('.uppy-Dashboard-Item-errorDetails')).toHaveAttribute('aria-label', 'Larger than the 1 MB limit: not sent.');
  await expect(fileItem(page, path.basename(fits))).toHaveClass(/\bis-complete\b/, { timeout: 30_000 });
  const posts = traffic.posts();
  expect(posts, 'uploads created: only the file that fits').toHaveLength(1);
  await expectStoredCopy(app, posts[0].createdId!, fits);
  // Still there, still saying why, after the other file finished.
  await expect(refused.locator('.uppy-Dashboard-Item-errorDetails')).toHaveAttribute('aria-label', 'Larger than the 1 MB limit: not sent.');
});

test('a refused upload says so in a sentence of the page, in zh-CN too', async ({ page, context, sources }) => {
  await context.addCookies([{ name: 'lang', value: 'zh-CN', url: app.baseUrl }]);
  const source = sources.random('refused.bin', 64 * 1024);
  await page.route('**/api/upload/*', async (route) => {
    if (route.request().method() !== 'PATCH') return route.fallback();
    await route.fulfill({ status: 403, headers: { 'Tus-Resumable': '1.0.0' }, body: 'Forbidden' });
  });
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const item = fileItem(page, path.basename(source));
  await expect(item).toHaveClass(/\bis-error\b/, { timeout: 30_000 });
  await expect(item.locator('.uppy-Dashboard-Item-errorDetails')).toHaveAttribute('aria-label', '服务器拒绝了此上传。');
});
