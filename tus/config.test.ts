import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConfigError, DEFAULTS, parseByteSize, readConfig } from './config';

const cwd = '/srv/app';

test('defaults describe the embedded setup', () => {
  const config = readConfig({}, cwd);
  expect(config).toEqual({
    uploadDir: path.join(cwd, DEFAULTS.uploadDir),
    maxSize: DEFAULTS.maxSize,
    chunkSize: DEFAULTS.chunkSize,
    parallelFiles: DEFAULTS.parallelFiles,
    corsOrigins: '*',
    publicUrl: null,
    trustProxy: false,
    eventLog: null,
  });
});

test('every variable is read', () => {
  const config = readConfig(
    {
      UPLOAD_DIR: '/var/uploads',
      UPLOAD_MAX_SIZE: '2GiB',
      UPLOAD_CHUNK_SIZE: '8 MB',
      UPLOAD_PARALLEL_FILES: '5',
      CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443',
      PUBLIC_URL: 'https://files.example.com/base',
      TRUST_PROXY: 'yes',
      UPLOAD_EVENT_LOG: 'logs/events.jsonl',
    },
    cwd,
  );
  expect(config.uploadDir).toBe('/var/uploads');
  expect(config.maxSize).toBe(2 * 2 ** 30);
  expect(config.chunkSize).toBe(8_000_000);
  expect(config.parallelFiles).toBe(5);
  expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
  expect(config.publicUrl?.href).toBe('https://files.example.com/base');
  expect(config.trustProxy).toBe(true);
  expect(config.eventLog).toBe('/srv/app/logs/events.jsonl');
});

test('the chunk size never exceeds the maximum upload size', () => {
  expect(readConfig({ UPLOAD_MAX_SIZE: '1MiB', UPLOAD_CHUNK_SIZE: '64MiB' }, cwd).chunkSize).toBe(2 ** 20);
});

test('byte sizes accept plain numbers and SI or binary units', () => {
  expect(parseByteSize('1048576')).toBe(1048576);
  expect(parseByteSize('1.5 KiB')).toBe(1536);
  expect(parseByteSize('3gb')).toBe(3e9);
  expect(parseByteSize('12 parsecs')).toBeNull();
  expect(parseByteSize('-1')).toBeNull();
  expect(parseByteSize('99999999 TiB')).toBeNull();
});

for (const [variable, value, message] of [
  ['UPLOAD_MAX_SIZE', 'lots', /UPLOAD_MAX_SIZE must be a size in bytes/],
  ['UPLOAD_MAX_SIZE', '0', /UPLOAD_MAX_SIZE must be at least 1 bytes/],
  ['UPLOAD_CHUNK_SIZE', '1KiB', /UPLOAD_CHUNK_SIZE must be at least 65536 bytes/],
  ['UPLOAD_PARALLEL_FILES', '0', /UPLOAD_PARALLEL_FILES must be between 1 and 20/],
  ['UPLOAD_PARALLEL_FILES', 'three', /UPLOAD_PARALLEL_FILES must be a whole number/],
  ['CORS_ALLOWED_ORIGINS', 'app.example.com', /CORS_ALLOWED_ORIGINS must be \* or a comma-separated list of origins/],
  ['CORS_ALLOWED_ORIGINS', 'https://app.example.com/', /not a bare origin \(did you mean "https:\/\/app.example.com"\?\)/],
  ['PUBLIC_URL', 'files.example.com', /PUBLIC_URL must be an absolute URL/],
  ['PUBLIC_URL', 'ftp://files.example.com', /PUBLIC_URL must be an http or https URL/],
  ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be true or false/],
] as const) {
  test(`${variable}=${value} stops start-up with a message naming it`, () => {
    let error: unknown;
    try {
      readConfig({ [variable]: value }, cwd);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
  });
}
