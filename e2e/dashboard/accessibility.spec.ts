import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { uploadWhole } from '../support/http';
import { addFiles, fileItem, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

// axe-core finds no serious or critical violation on the upload page and the
// uploads page, in both languages, on a desktop and on a phone.

const app = serverForThisFile();

const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 360, height: 740 } },
];

test.beforeAll(async () => {
  await uploadWhole(app.endpoint, Buffer.from('%PDF-1.4 report'), { filename: '报告.pdf', filetype: 'application/pdf' });
  await uploadWhole(app.endpoint, Buffer.from('notes'), { filename: 'notes.txt', filetype: 'text/plain' });
});

for (const { name, viewport } of VIEWPORTS)
  for (const language of ['en', 'zh-CN'] as const)
    test.describe(`${name}, ${language}`, () => {
      test.use({ viewport });

      test('the upload page has no serious accessibility violation, empty and with a file uploaded', async ({ page, context, sources }) => {
        await context.addCookies([{ name: 'lang', value: language, url: app.baseUrl }]);
        await openDashboard(page, app);
        await expectNoSeriousViolations(page);
        const source = sources.random('a11y.txt', 1024);
        await addFiles(page, [source]);
        await expect(fileItem(page, path.basename(source))).toHaveClass(/\bis-complete\b/, { timeout: 30_000 });
        // Each file's remove button is named after its file, not one of many identical "Remove file".
        const remove = language === 'en' ? 'Remove a11y.txt' : '删除文件 a11y.txt';
        await expect(fileItem(page, path.basename(source)).getByRole('button', { name: remove, exact: true })).toBeVisible();
        await expectNoSeriousViolations(page);
      });

      test('the uploads page has no serious accessibility violation', async ({ page, context }) => {
        await context.addCookies([{ name: 'lang', value: language, url: app.baseUrl }]);
        await page.goto(`${app.baseUrl}/uploads`);
        await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
        await expectNoSeriousViolations(page);
      });
    });

async function expectNoSeriousViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const described = serious.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((node) => node.target.join(' ')).join('\n  ')}`);
  expect(described, 'serious or critical violations').toEqual([]);
}
