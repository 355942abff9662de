import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';

test('the upload folder is created when the server starts, before any request', async () => {
  const app = await AppServer.start();
  try {
    expect(fs.statSync(app.uploadDir).isDirectory()).toBe(true);
  } finally {
    await app.dispose();
  }
});

for (const [variable, value, message] of [
  [
    'UPLOAD_MAX_SIZE',
    'lots',
    'Invalid configuration: UPLOAD_MAX_SIZE must be a size in bytes such as 1073741824, 512MiB or 2GB (got "lots")',
  ],
  ['CORS_ALLOWED_ORIGINS', 'example.com', 'Invalid configuration: CORS_ALLOWED_ORIGINS must be * or a comma-separated list of origins'],
  // The HTTP server's settings and the dashboard's are read by their own readers, with the same errors.
  ['UPLOAD_IDLE_TIMEOUT', 'off', 'Invalid configuration: UPLOAD_IDLE_TIMEOUT must be a duration such as 30s or 2m; it cannot be off'],
  ['UPLOAD_CHUNK_SIZE', '1KiB', 'Invalid configuration: UPLOAD_CHUNK_SIZE must be at least 65536 bytes (got "1KiB")'],
] as const) {
  test(`a bad ${variable} stops start-up with a message naming it`, async () => {
    const started = AppServer.start({ env: { [variable]: value } });
    await expect(started).rejects.toThrow(/server exited \(1\) before it was ready/);
    await expect(started).rejects.toThrow(message);
  });
}
