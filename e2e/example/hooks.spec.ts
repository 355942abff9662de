import { createUpload, patch } from '../support/http';
import { serverForThisFile } from '../support/app-server';
import { uploadIdOf } from '../support/clients';
import { expect, test } from '@playwright/test';

// examples/minimal-next-app gives the engine a hook in code (uploads.ts): post-finish, once an upload is complete.

const app = serverForThisFile();

test("the example's post-finish hook runs once the last byte is stored", async () => {
  const url = await createUpload(app.endpoint, 5);
  expect((await patch(url, 0, 'hello')).status).toBe(204);
  await expect.poll(() => app.log, { timeout: 10_000 }).toContain(`[example] upload ${uploadIdOf(url)} is complete: 5 bytes`);
});
