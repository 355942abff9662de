import type { Page } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { addFiles, fileItem, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

// At 360 px (a small phone) no page scrolls sideways, in either language,
// with a long file name in the uploads list; the header's links keep their
// words on one line.

const app = serverForThisFile();

test.use({ viewport: { width: 360, height: 740 } });

const LONG_NAME = `${'quarterly-report-final-version-'.repeat(3)}2026.pdf`;

for (const language of ['en', 'zh-CN'] as const)
  test(`nothing scrolls sideways at 360 px (${language})`, async ({ page, context, sources }) => {
    await context.addCookies([{ name: 'lang', value: language, url: app.baseUrl }]);
    await openDashboard(page, app);
    await addFiles(page, [sources.random(LONG_NAME, 2048)]);
    await expect(fileItem(page, LONG_NAME)).toHaveClass(/\bis-complete\b/, { timeout: 30_000 });
    await expectNoSidewaysScroll(page, '/');
    for (const link of await page.locator('.site-header nav a').all()) {
      const box = await link.boundingBox();
      const lineHeight = await link.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight) || 24);
      expect(box?.height ?? 0, `"${await link.innerText()}" on one line`).toBeLessThanOrEqual(lineHeight * 1.5);
    }

    await page.goto(`${app.baseUrl}/uploads`);
    await expect(page.getByTestId('uploads-table')).toBeVisible();
    await expectNoSidewaysScroll(page, '/uploads');
    const row = page.getByTestId('uploads-table').locator('tr[data-upload-id]').first();
    for (const action of await row.locator('td.actions > *').all()) await expect(action).toBeInViewport();
  });

async function expectNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `scroll width of ${where}`).toBeLessThanOrEqual(360);
}
