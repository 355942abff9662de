import { serverForThisFile } from '../support/app-server';
import { rawRequest, TUS, uploadWhole } from '../support/http';
import { expect, test } from './support/fixtures';

// The uploads page offers Delete only where the server would do it: with
// UPLOAD_DELETE_FINISHED=deny a DELETE of a completed upload is answered 403.

test.describe('UPLOAD_DELETE_FINISHED=allow (the default)', () => {
  const app = serverForThisFile();

  test('a completed upload has a Delete button that deletes it', async ({ page }) => {
    await uploadWhole(app.endpoint, Buffer.from('delete me'), { filename: 'deletable.txt', filetype: 'text/plain' });
    await page.goto(`${app.baseUrl}/uploads`);
    const row = page.getByTestId('uploads-table').locator('tbody tr', { hasText: 'deletable.txt' });
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByTestId('uploads-empty')).toBeVisible();
  });
});

test.describe('UPLOAD_DELETE_FINISHED=deny', () => {
  const app = serverForThisFile({ env: { UPLOAD_DELETE_FINISHED: 'deny' } });

  test('completed uploads have no Delete button, since the server refuses to delete them', async ({ page }) => {
    const url = await uploadWhole(app.endpoint, Buffer.from('keep me'), { filename: 'kept.txt', filetype: 'text/plain' });
    await page.goto(`${app.baseUrl}/uploads`);
    const row = page.getByTestId('uploads-table').locator('tbody tr', { hasText: 'kept.txt' });
    await expect(row.getByRole('link', { name: 'Download' })).toBeVisible();
    // Nothing that deletes: no Delete button, no checkbox to select it, no Delete selected (Copy link stays).
    await expect(row.getByRole('button', { name: /Delete/ })).toHaveCount(0);
    await expect(row.getByRole('checkbox')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Delete selected' })).toHaveCount(0);
    await expect(row.getByRole('button', { name: 'Copy link to kept.txt' })).toBeVisible();
    expect((await rawRequest(url, { method: 'DELETE', headers: TUS })).status, 'the DELETE the button would send').toBe(403);
  });
});
