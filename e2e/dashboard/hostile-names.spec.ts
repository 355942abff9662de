import type { Dialog } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { rawRequest, uploadWhole } from '../support/http';
import { openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

// File names are data, never markup: the dashboard and the uploads page show
// any name as text, and a download never runs in the app's origin.

const app = serverForThisFile();

const XSS = '<img src=x onerror=alert(1)>.txt';
const RTL = 'invoice\u202Etxt.exe';
const LONG = `${'a'.repeat(296)}.txt`;
/** Names a browser File cannot carry (a `/`, a line break): sent as tus metadata by a raw client. */
const RAW_ONLY = ['../../etc/passwd', 'line\r\nSet-Cookie: pwned=1', '"><svg onload=alert(2)>'];

const dialogs: string[] = [];
function recordDialog(dialog: Dialog): void {
  dialogs.push(dialog.message());
  void dialog.dismiss();
}

test.beforeEach(({ page }) => {
  dialogs.length = 0;
  page.on('dialog', recordDialog);
});

/** Elements a name could have injected: the img and svg of the names, or anything whose attributes or script call alert. */
async function injected(page: import('@playwright/test').Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('*')]
      .filter(
        (element) =>
          element.matches('img[src="x"], svg[onload]') ||
          [...element.attributes].some((attribute) => attribute.name.startsWith('on') && attribute.value.includes('alert')) ||
          // Next.js streams the page's data in self.__next_f.push(...) scripts: there the names are JSON strings.
          (element.tagName === 'SCRIPT' &&
            !element.textContent?.startsWith('self.__next_f.push(') &&
            element.textContent?.includes('alert(')),
      )
      .map((element) => element.outerHTML.slice(0, 200)),
  );
}

test('hostile names picked in the dashboard upload, show as text, and list as text on /uploads', async ({ page, traffic }) => {
  await openDashboard(page, app);
  const names = [XSS, RTL, LONG];
  await page
    .locator('input.uppy-Dashboard-input[name="files[]"]')
    .first()
    .setInputFiles(names.map((name) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(`content of ${name.length}`) })));
  // autoProceed: each file is uploaded; wait until the server has finished all three.
  const finished = new Set<string>();
  while (finished.size < names.length) {
    const event = await app.events.waitFor((e) => e.type === 'finished' && e.id !== null && !finished.has(e.id), 60_000, 'upload finished');
    finished.add(event.id!);
  }
  // The dashboard names each file exactly, as text.
  const shown = await page.locator('.uppy-Dashboard-Item-name').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('title')));
  expect(shown.sort()).toEqual([...names].sort());
  expect(await injected(page)).toEqual([]);
  expect(traffic.describe()).toContain('POST');

  await page.goto(`${app.baseUrl}/uploads`);
  const cells = await page.locator('td.name').allTextContents();
  for (const name of names) expect(cells).toContain(name);
  expect(await injected(page)).toEqual([]);

  // Their downloads are attachments with nosniff and a header of printable ASCII.
  for (const id of finished) {
    const res = await rawRequest(`${app.endpoint}/${id}`, { method: 'GET' });
    expect(res.status, id).toBe(200);
    expect(res.headers['x-content-type-options'], id).toBe('nosniff');
    expect(res.headers['content-disposition'], id).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]+$/);
  }
  expect(dialogs).toEqual([]);
});

test('names with path separators, line breaks and markup sent by a raw client list as text; downloads are safe attachments', async ({
  page,
}) => {
  const urls = new Map<string, string>();
  for (const name of RAW_ONLY)
    urls.set(name, await uploadWhole(app.endpoint, Buffer.from(name), { filename: name, filetype: 'text/html' }));
  await page.goto(`${app.baseUrl}/uploads`);
  const cells = await page.locator('td.name').allTextContents();
  // The page shows each name exactly as uploaded (the HTML parser stores a CR LF as LF, as for any text).
  for (const name of RAW_ONLY) expect(cells).toContain(name.replace(/\r\n/g, '\n'));
  expect(await injected(page)).toEqual([]);

  for (const [name, url] of urls) {
    const res = await rawRequest(url, { method: 'GET' });
    expect(res.status, name).toBe(200);
    expect(res.headers['content-type'], name).toBe('application/octet-stream');
    expect(res.headers['x-content-type-options'], name).toBe('nosniff');
    expect(res.headers['set-cookie'], name).toBeUndefined();
    const disposition = res.headers['content-disposition']!;
    expect(disposition, name).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]+$/);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]), name).not.toMatch(/[/\\\r\n]/);
  }

  // In Chromium: following the download link of an HTML upload downloads it, under a name with no path.
  const traversal = page.locator('tr', { has: page.locator('td.name', { hasText: '../../etc/passwd' }) });
  const [download] = await Promise.all([page.waitForEvent('download'), traversal.getByRole('link', { name: 'Download' }).click()]);
  expect(download.suggestedFilename()).not.toContain('/');
  expect(await download.failure()).toBeNull();
  expect(dialogs).toEqual([]);
});

test('opening an uploaded HTML or SVG file in the browser downloads it: it never runs in the app origin', async ({ page }) => {
  const cases: Array<[string, string, string]> = [
    ['page.html', 'text/html', '<!doctype html><script>alert(document.domain)</script>'],
    ['image.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ['data.xml', 'application/xml', '<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(3)</x:script>'],
    ['script.js', 'text/javascript', 'alert(4)'],
  ];
  for (const [name, type, content] of cases) {
    const url = await uploadWhole(app.endpoint, Buffer.from(content), { filename: name, filetype: type });
    const downloading = page.waitForEvent('download');
    // Navigation to an attachment never commits (Playwright rejects the goto): the download is the only outcome.
    const navigated = await page.goto(url).then(
      () => true,
      () => false,
    );
    expect(navigated, name).toBe(false);
    const download = await downloading;
    expect(download.suggestedFilename(), name).toBe(name);
    expect(page.url(), name).not.toBe(url);
  }
  expect(dialogs).toEqual([]);
});

test('the RTL override never reaches the download name, from the server or in Chromium', async ({ page }) => {
  const url = await uploadWhole(app.endpoint, Buffer.from('not an exe'), { filename: RTL, filetype: 'text/plain' });
  // The server's own guarantee (Chromium also drops bidi marks, but other browsers need not).
  const disposition = (await rawRequest(url, { method: 'GET' })).headers['content-disposition']!;
  expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1])).toBe('invoice_txt.exe');
  await page.goto(`${app.baseUrl}/uploads`);
  const row = page.locator('tr', { has: page.locator('td.name', { hasText: RTL }) }).first();
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'Download' }).click()]);
  expect(download.suggestedFilename()).not.toContain('\u202E');
  expect(dialogs).toEqual([]);
});
