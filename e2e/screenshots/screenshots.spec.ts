import type { Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { AppServer, PROJECT_ROOT } from '../support/app-server';
import { uploadWhole } from '../support/http';
import { addFiles, MiB, openDashboard } from '../dashboard/support/dashboard';
import { expect, test } from '../dashboard/support/fixtures';

// The pictures in docs/screenshots/, made from the production build by the
// same code the tests drive, so they show what the product does today:
// `npm run screenshots` makes them, and the test suite makes them too (a
// picture that can no longer be made fails the run). Commit them when they
// change.

const OUT = path.join(PROJECT_ROOT, 'docs', 'screenshots');
const DESKTOP = { width: 1200, height: 860 };
const PHONE = { width: 390, height: 844 };
const LANGUAGES = ['en', 'zh-CN'] as const;

let app: AppServer;
test.beforeAll(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  app = await AppServer.start();
  const samples: Array<[string, string, number]> = [
    ['Quarterly report 2026.pdf', 'application/pdf', 2_400_000],
    ['site-survey.mp4', 'video/mp4', 48_000_000],
    ['团队合影.png', 'image/png', 3_100_000],
    ['meeting-notes.txt', 'text/plain', 12_000],
    ['dataset-2026-11.csv.gz', 'application/gzip', 18_500_000],
  ];
  for (const [filename, filetype, size] of samples) {
    const data = filetype === 'image/png' ? gradientPng(160, 120) : Buffer.alloc(size, 7);
    await uploadWhole(app.endpoint, data, { filename, filetype });
  }
});
test.afterAll(async () => {
  await app?.dispose();
});

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: false });
}

for (const language of LANGUAGES)
  test(`the upload page and the uploads page, desktop and phone (${language})`, async ({ page, context }) => {
    await context.addCookies([{ name: 'lang', value: language, url: app.baseUrl }]);
    for (const [device, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      await openDashboard(page, app);
      await shoot(page, `upload-${device}-${language}`);
      await page.goto(`${app.baseUrl}/uploads`);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await shoot(page, `uploads-${device}-${language}`);
    }
  });

test('an upload in progress, and the connection lost (en)', async ({ page, sources, network }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(DESKTOP);
  await network.throttleUpload(2 * MiB);
  await openDashboard(page, app);
  await addFiles(page, [sources.random('holiday-video.mov', 64 * MiB)]);
  await expect(page.getByTestId('time-left').locator('output')).toHaveText(/^(\d+ min )?\d+ s$/, { timeout: 30_000 });
  await shoot(page, 'uploading-en');
  await page.setViewportSize(PHONE);
  await shoot(page, 'uploading-phone-en');
  await page.setViewportSize(DESKTOP);

  await app.kill();
  await expect(page.getByTestId('connection')).toHaveText(/^Connection lost — retrying in \d+ s$/);
  await expect(page.getByTestId('upload-speed').locator('output')).toHaveText('0 B/s');
  await shoot(page, 'connection-lost-en');
  await app.launch();
  await network.unthrottle();
  await expect(page.getByTestId('connection')).toHaveText('Reconnected', { timeout: 30_000 });
});

/** A real PNG (a colour gradient), so the uploads list shows a thumbnail. */
function gradientPng(width: number, height: number): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + 3 * width);
    for (let x = 0; x < width; x++) row.set([40 + (x % 200), 90 + (y % 150), 200 - (x % 150)], 1 + 3 * x);
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(4 + body.length + 4);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(zlib.crc32(body), 4 + body.length);
    return frame;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
