import { expect, test } from '@playwright/test';
import { ConfigError } from '@resumable-uploads/engine';
import { DASHBOARD_DEFAULTS, dashboardSettingsFromEnv } from './settings';

const MAX = 50 * 2 ** 30;

test('the dashboard reads its own variables, with defaults', () => {
  expect(dashboardSettingsFromEnv(MAX, {})).toEqual(DASHBOARD_DEFAULTS);
  expect(
    dashboardSettingsFromEnv(MAX, {
      UPLOAD_CHUNK_SIZE: '8 MB',
      UPLOAD_PARALLEL_FILES: '5',
      UPLOAD_PARALLEL_PARTS: '8',
      UPLOAD_PARALLEL_MIN_SIZE: '100MiB',
    }),
  ).toEqual({ chunkSize: 8_000_000, parallelFiles: 5, parallelParts: 8, parallelMinSize: 100 * 2 ** 20 });
});

test('the chunk size never exceeds the maximum upload size', () => {
  expect(dashboardSettingsFromEnv(2 ** 20, { UPLOAD_CHUNK_SIZE: '64MiB' }).chunkSize).toBe(2 ** 20);
});

for (const [variable, value, message] of [
  ['UPLOAD_CHUNK_SIZE', '1KiB', /UPLOAD_CHUNK_SIZE must be at least 65536 bytes/],
  ['UPLOAD_PARALLEL_FILES', '0', /UPLOAD_PARALLEL_FILES must be between 1 and 20/],
  ['UPLOAD_PARALLEL_FILES', 'three', /UPLOAD_PARALLEL_FILES must be a whole number/],
  ['UPLOAD_PARALLEL_PARTS', '40', /UPLOAD_PARALLEL_PARTS must be between 1 and 16/],
] as const) {
  test(`${variable}=${value} is an error naming it`, () => {
    let error: unknown;
    try {
      dashboardSettingsFromEnv(MAX, { [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(message);
  });
}
