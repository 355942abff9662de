import { AppServer } from '../support/app-server';
import { addFiles, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

let app: AppServer;
// A server per test: the uploads page lists every completed upload, so a repeated test would see the last one's.
test.beforeEach(async () => {
  app = await AppServer.start();
});
test.afterEach(async () => {
  await app?.dispose();
});

test('简体中文 translates the page and the Dashboard, and is remembered after a reload', async ({ page, sources, context }) => {
  const dropHint = page.locator('.uppy-Dashboard-AddFiles-title');
  const browse = page.locator('.uppy-Dashboard-browse');
  const speed = page.getByTestId('upload-speed');
  const switcher = page.getByTestId('language-switch');

  await openDashboard(page, app);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(dropHint).toContainText('Drop files here or');
  await expect(browse).toHaveText('browse files');
  await expect(speed).toContainText('Upload speed');
  await expect(page.getByRole('link', { name: 'Uploaded files' })).toBeVisible();

  await switcher.selectOption('zh-CN');
  // The page's own text (rendered by the server) and Uppy's strings (set in the browser).
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.locator('.tagline')).toContainText('上传中断后会从中断处继续');
  await expect(speed).toContainText('上传速度');
  await expect(speed).toContainText('空闲');
  await expect(page.locator('.uppy-Dashboard-note')).toHaveText('每个文件最大 50 GB。未完成的上传在最后一次写入后保留 24 小时。');
  await expect(page.getByRole('link', { name: '已上传的文件' })).toBeVisible();
  await expect(dropHint).toContainText('将文件拖拽到这里或');
  await expect(browse).toHaveText('浏览文件');
  await expect(switcher).toHaveValue('zh-CN');
  expect((await context.cookies()).find((cookie) => cookie.name === 'lang')?.value).toBe('zh-CN');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(switcher).toHaveValue('zh-CN');
  await expect(page.locator('.tagline')).toContainText('上传中断后会从中断处继续');
  await expect(dropHint).toContainText('将文件拖拽到这里或');
  await expect(browse).toHaveText('浏览文件');

  // Strings Uppy shows during and after an upload follow too.
  await addFiles(page, [sources.random('你好.txt', 1024)]);
  await expect(page.locator('.uppy-StatusBar-content[role="status"]')).toHaveAttribute('title', '上传完毕');

  await page.goto(`${app.baseUrl}/uploads`);
  await expect(page.getByRole('heading', { name: '已上传的文件' })).toBeVisible();
  await expect(page.getByTestId('uploads-table').locator('td.name')).toHaveText(['你好.txt']);
  await expect(page.getByTestId('uploads-table').getByRole('link', { name: '下载' })).toBeVisible();

  // And back: the switch is not one-way.
  await switcher.selectOption('en');
  await expect(page.getByRole('heading', { name: 'Uploaded files' })).toBeVisible();
  await page.goto(`${app.baseUrl}/`);
  await expect(browse).toHaveText('browse files');
});

test.describe('a first visit, before the visitor chooses', () => {
  test.use({ locale: 'zh-CN' });

  test('a browser that asks for Chinese gets 简体中文; the visitor’s choice then wins', async ({ page }) => {
    await openDashboard(page, app);
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.locator('.tagline')).toContainText('上传中断后会从中断处继续');
    await expect(page.locator('.uppy-Dashboard-AddFiles-title')).toContainText('将文件拖拽到这里或');

    await page.getByTestId('language-switch').selectOption('en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.locator('.uppy-Dashboard-browse')).toHaveText('browse files');
  });
});

test('the language follows Accept-Language by weight: any Chinese is zh-CN, any English en, else en', async ({ request }) => {
  const cases: Array<[string, string]> = [
    ['zh-TW,zh;q=0.9', 'zh-CN'],
    ['fr-FR, zh;q=0.8, en;q=0.5', 'zh-CN'],
    ['en-GB;q=0.4, zh-CN;q=0.9', 'zh-CN'],
    ['zh;q=0, en', 'en'],
    ['de, fr;q=0.9', 'en'],
    ['', 'en'],
  ];
  for (const [acceptLanguage, expected] of cases) {
    const response = await request.get(`${app.baseUrl}/`, { headers: { 'Accept-Language': acceptLanguage } });
    expect(await response.text(), `Accept-Language: ${acceptLanguage}`).toContain(`<html lang="${expected}"`);
  }
});
