import type { Page } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { rawRequest, uploadNumbered, uploadSortable, uploadWhole } from '../support/http';
import { expect, test } from './support/fixtures';

// /uploads for many uploads (issue 14, item 6): pages of 50 with links that
// work without JavaScript, search and sort, the count and size of what is
// listed, bulk delete behind one confirmation, readable types, copy link,
// thumbnails for raster images only, controls named after their file, and
// no sideways scrolling on a phone. One server for the file: each test names
// its uploads with a prefix of its own and searches for it.

const app = serverForThisFile();

/** A 1×1 red PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

const table = (page: Page) => page.getByTestId('uploads-table');
const listedNames = (page: Page) => table(page).locator('td.name').allTextContents();

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('120 uploads show 50 to a page; the links page through all of them once, keeping search and order', async ({ page }) => {
    await uploadNumbered(app.endpoint, 'paged-', 120);
    await page.goto(`${app.baseUrl}/uploads?q=paged-&sort=name`);
    await expect(page.getByTestId('uploads-summary')).toHaveText(`120 files, ${formatKB((120 * 121) / 2)}`);
    const seen: string[] = [];
    for (const [number, rows] of [
      [1, 50],
      [2, 50],
      [3, 20],
    ] as const) {
      await expect(page.getByTestId('pagination')).toContainText(`Page ${number} of 3`);
      const names = await listedNames(page);
      expect(names).toHaveLength(rows);
      seen.push(...names);
      if (number < 3) await page.getByRole('link', { name: 'Next' }).click();
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `paged-${String(i).padStart(3, '0')}.txt`));
    await page.getByRole('link', { name: 'Previous' }).click();
    await expect(page.getByTestId('pagination')).toContainText('Page 2 of 3');
    expect(new URL(page.url()).searchParams.get('q')).toBe('paged-');
  });

  test('search (any case) and sort by name or size through the form', async ({ page }) => {
    await uploadSortable(app.endpoint);
    await page.goto(`${app.baseUrl}/uploads`);
    const search = page.getByRole('searchbox', { name: 'Search by name' });
    const sort = page.getByRole('combobox', { name: 'Sort by' });
    await search.fill('SORTED-');
    await sort.selectOption('name');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByTestId('uploads-summary')).toHaveText('4 files, 63 B');
    expect(await listedNames(page)).toEqual(['sorted-a.txt', 'sorted-B9.txt', 'Sorted-b10.txt', 'SORTED-c.txt']);

    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('size');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/sort=size/);
    expect(await listedNames(page)).toEqual(['sorted-B9.txt', 'sorted-a.txt', 'SORTED-c.txt', 'Sorted-b10.txt']);

    await page.getByRole('searchbox', { name: 'Search by name' }).fill('sorted-b');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByTestId('uploads-summary')).toHaveText('2 files, 33 B');
    expect(await listedNames(page)).toEqual(['sorted-B9.txt', 'Sorted-b10.txt']);
  });
});

test('Delete selected deletes every checked upload after one confirmation', async ({ page }) => {
  const urls = await uploadNumbered(app.endpoint, 'bulk-', 4);
  await page.goto(`${app.baseUrl}/uploads?q=bulk-`);
  const gone = ['bulk-000.txt', 'bulk-002.txt', 'bulk-003.txt'];
  for (const name of gone) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await expect(table(page).locator('td.name')).toHaveText(['bulk-001.txt']);
  expect(dialogs).toEqual(['Delete 3 files?']);
  await expect(page.getByTestId('uploads-summary')).toHaveText('1 file, 2 B');
  for (const name of gone) expect((await rawRequest(urls.get(name)!, { method: 'GET' })).status, name).toBe(404);
  expect((await rawRequest(urls.get('bulk-001.txt')!, { method: 'GET' })).status).toBe(200);
});

const TYPED: Array<[string, string, string, string]> = [
  ['typed-report.pdf', 'application/pdf', 'PDF document', 'PDF 文档'],
  ['typed-photo.png', 'image/png', 'PNG image', 'PNG 图片'],
  ['typed-notes.txt', 'text/plain', 'Text', '文本'],
  ['typed-clip.mp4', 'video/mp4', 'Video', '视频'],
  ['typed-bundle.zip', 'application/zip', 'Archive', '压缩包'],
  ['typed-data.bin', 'application/x-whatever', 'File', '文件'],
];

test('types read as words with an icon, in English and Chinese', async ({ page, context }) => {
  for (const [name, type] of TYPED)
    await uploadWhole(app.endpoint, name.endsWith('.png') ? PNG : Buffer.from(name), { filename: name, filetype: type });
  for (const language of ['en', 'zh-CN'] as const) {
    await context.addCookies([{ name: 'lang', value: language, url: app.baseUrl }]);
    await page.goto(`${app.baseUrl}/uploads?q=typed-`);
    for (const [name, , en, zh] of TYPED) {
      const type = table(page).locator('tr', { hasText: name }).locator('td.type');
      await expect(type, name).toHaveText(new RegExp(`^\\S+ ${language === 'en' ? en : zh}$`));
    }
  }
});

test('Copy link puts the absolute download URL on the clipboard and says Copied', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
  const url = await uploadWhole(app.endpoint, Buffer.from('link me'), { filename: 'linked.txt', filetype: 'text/plain' });
  await page.goto(`${app.baseUrl}/uploads?q=linked`);
  const row = table(page).locator('tr', { hasText: 'linked.txt' });
  await expect(row.getByRole('status')).toHaveText('');
  await row.getByRole('button', { name: 'Copy link to linked.txt' }).click();
  await expect(row.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  expect(uploadIdOf(url)).not.toBe('');
});

test('a PNG shows as a lazy thumbnail from its download URL; an SVG or HTML file never becomes an image or markup', async ({ page }) => {
  const png = await uploadWhole(app.endpoint, PNG, { filename: 'thumb-pixel.png', filetype: 'image/png' });
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__svgRan = true"><script>window.__svgRan = true</script></svg>';
  await uploadWhole(app.endpoint, Buffer.from(svg), { filename: 'thumb-vector.svg', filetype: 'image/svg+xml' });
  await uploadWhole(app.endpoint, Buffer.from('<img src=x onerror="window.__htmlRan = true">'), {
    filename: 'thumb-page.html',
    filetype: 'text/html',
  });
  await page.goto(`${app.baseUrl}/uploads?q=thumb-`);
  const thumbnail = table(page).locator('tr', { hasText: 'thumb-pixel.png' }).locator('img');
  await expect(thumbnail).toHaveAttribute('src', new URL(png).pathname);
  await expect(thumbnail).toHaveAttribute('loading', 'lazy');
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
  const box = await thumbnail.boundingBox();
  expect([box?.width, box?.height]).toEqual([40, 40]);
  for (const name of ['thumb-vector.svg', 'thumb-page.html']) {
    await expect(table(page).locator('tr', { hasText: name }).locator('img, svg, object, embed, iframe'), name).toHaveCount(0);
  }
  expect(await page.locator('img').count()).toBe(1);
  expect(await page.evaluate(() => [(window as { __svgRan?: boolean }).__svgRan, (window as { __htmlRan?: boolean }).__htmlRan])).toEqual([
    undefined,
    undefined,
  ]);
});

test('each control is named after its file, every header has text, one h1, and keyboard focus is visible', async ({ page, context }) => {
  await uploadWhole(app.endpoint, Buffer.from('%PDF-1.4'), { filename: 'named-报告.pdf', filetype: 'application/pdf' });
  await uploadWhole(app.endpoint, Buffer.from('other'), { filename: 'named-other.txt', filetype: 'text/plain' });
  await page.goto(`${app.baseUrl}/uploads?q=named-`);
  await expect(page.locator('h1')).toHaveCount(1);
  for (const header of await table(page).locator('th').allInnerTexts()) expect(header.trim()).not.toBe('');
  await expect(page.getByRole('link', { name: 'Download named-报告.pdf', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete named-报告.pdf', exact: true })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Select named-报告.pdf', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy link to named-报告.pdf', exact: true })).toBeVisible();
  // No two controls share a name.
  const names = await table(page)
    .locator('a, button, input')
    .evaluateAll((elements) => elements.map((element) => element.getAttribute('aria-label') ?? element.textContent));
  expect(new Set(names).size).toBe(names.length);

  // Reached by the keyboard, a control shows a focus ring.
  await page.getByRole('checkbox', { name: 'Select named-报告.pdf' }).focus();
  await page.keyboard.press('Tab');
  const focused = page.locator(':focus');
  expect(await focused.evaluate((element) => getComputedStyle(element).outlineStyle)).not.toBe('none');
  expect(await focused.evaluate((element) => parseFloat(getComputedStyle(element).outlineWidth))).toBeGreaterThanOrEqual(2);

  await context.addCookies([{ name: 'lang', value: 'zh-CN', url: app.baseUrl }]);
  await page.reload();
  await expect(page.getByRole('link', { name: '下载 named-报告.pdf', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: '删除 named-报告.pdf', exact: true })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: '选择 named-报告.pdf', exact: true })).toBeVisible();
});

test.describe('on a 360 px phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });

  for (const language of ['en', 'zh-CN'] as const)
    // A long name with no place to break a line, a thumbnail, the controls and the page links.
    test(`nothing scrolls sideways (${language})`, async ({ page, context }) => {
      await uploadWhole(app.endpoint, PNG, {
        filename: `phone-${'unbreakable'.repeat(9)}.png`,
        filetype: 'image/png',
      });
      await uploadNumbered(app.endpoint, `phone-${language}-`, 60);
      await context.addCookies([{ name: 'lang', value: language, url: app.baseUrl }]);
      // Largest first: the PNG with the long name is on the first page.
      await page.goto(`${app.baseUrl}/uploads?q=phone-&sort=size`);
      await expect(page.getByTestId('pagination')).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      const row = table(page).locator('tr[data-upload-id]').first();
      for (const action of await row.locator('td.actions a, td.actions button').all()) await expect(action).toBeInViewport();
    });
});

/** The size as the page writes it (Uppy's units: KB is 1024 bytes) for 1 to 10 KB: one decimal. */
function formatKB(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
