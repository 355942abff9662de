import { expect, test } from '@playwright/test';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { createUpload, patch } from '../support/http';

// The app's own hooks (app/upload-hooks.ts) run in the production server: its post-finish says so in the log (at debug).

const app = serverForThisFile({ env: { LOG_LEVEL: 'debug' } });

test("the app's post-finish hook runs once the last byte is stored", async () => {
  const url = await createUpload(app.endpoint, 5);
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  await expect.poll(() => app.log, { timeout: 10_000 }).toContain(`finished upload ${uploadIdOf(url)} (5 bytes)`);
});
