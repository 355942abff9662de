import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ENGINE_DEFAULTS as DEFAULTS, engineSettings, engineSettingsFromEnv as readConfig } from './config';
import { ConfigError, parseByteSize, parseDuration } from './env';
import { serverSettingsFromEnv } from './http/settings';

const cwd = '/srv/app';

test('defaults describe the embedded setup', () => {
  const config = readConfig({}, cwd);
  expect(config).toEqual({
    path: '/api/upload',
    uploadDir: path.join(cwd, DEFAULTS.uploadDir),
    maxSize: DEFAULTS.maxSize,
    durability: 'strict',
    corsOrigins: '*',
    publicUrl: null,
    trustProxy: false,
    log: { level: 'info', format: 'json' },
    eventLog: null,
    expiresAfterMs: DEFAULTS.expiresAfterMs,
    sweepIntervalMs: DEFAULTS.sweepIntervalMs,
    deleteFinished: true,
    postReceiveIntervalMs: 1_000,
    webhooks: null,
    uploadTokenSecret: null,
    uploadStore: 'file',
    s3: null,
    redisUrl: null,
    redisKeyPrefix: 'uploads:',
    redisCacheTtlMs: DEFAULTS.expiresAfterMs + 7 * 86_400_000,
  });
  // The same defaults as settings given in code.
  expect(engineSettings({}, cwd)).toEqual(config);
});

test('settings given in code are completed with the defaults and checked', () => {
  const settings = engineSettings({ uploadDir: 'files', maxSize: 1024, expiresAfterMs: null }, cwd);
  expect([settings.uploadDir, settings.maxSize, settings.expiresAfterMs, settings.redisCacheTtlMs]).toEqual([
    '/srv/app/files',
    1024,
    null,
    7 * 86_400_000,
  ]);
  expect(() => engineSettings({ maxSize: 0 }, cwd)).toThrow(
    'Invalid configuration: maxSize must be a whole number of bytes, at least 1 (got 0)',
  );
  expect(() => engineSettings({ uploadStore: 's3' }, cwd)).toThrow('Invalid configuration: s3 is required when uploadStore is s3');
  expect(() => engineSettings({ durability: 'fast' as never }, cwd)).toThrow(
    'Invalid configuration: durability must be one of strict, os (got "fast")',
  );
  expect(() => engineSettings({ uploadTokenSecret: 'short' }, cwd)).toThrow(/uploadTokenSecret must be at least 32 characters/);
  expect(() => engineSettings({ postReceiveIntervalMs: 0 }, cwd)).toThrow(
    'Invalid configuration: postReceiveIntervalMs must be at least 1 ms (got 0)',
  );
});

test('every variable is read', () => {
  const config = readConfig(
    {
      UPLOAD_DIR: '/var/uploads',
      UPLOAD_MAX_SIZE: '2GiB',
      CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443',
      PUBLIC_URL: 'https://files.example.com/base',
      TRUST_PROXY: 'yes',
      UPLOAD_EVENT_LOG: 'logs/events.jsonl',
      UPLOAD_EXPIRES_AFTER: '90m',
      UPLOAD_SWEEP_INTERVAL: '30s',
      UPLOAD_DELETE_FINISHED: 'deny',
      UPLOAD_DURABILITY: 'os',
    },
    cwd,
  );
  expect(config.uploadDir).toBe('/var/uploads');
  expect(config.maxSize).toBe(2 * 2 ** 30);
  expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
  expect(config.publicUrl?.href).toBe('https://files.example.com/base');
  expect(config.expiresAfterMs).toBe(90 * 60_000);
  expect(config.sweepIntervalMs).toBe(30_000);
  expect(config.deleteFinished).toBe(false);
  expect(config.durability).toBe('os');
  expect(config.trustProxy).toBe(true);
  expect(config.eventLog).toBe('/srv/app/logs/events.jsonl');
});

test("webhooks: the URL turns them on, with tusd's default events, fail closed, an outbox beside the uploads", () => {
  const defaults = readConfig({ UPLOAD_HOOKS_URL: 'http://127.0.0.1:8000/hooks' }, cwd).webhooks;
  expect(defaults).toEqual({
    url: new URL('http://127.0.0.1:8000/hooks'),
    events: ['pre-create', 'post-create', 'post-receive', 'post-finish', 'post-terminate'],
    secret: null,
    timeoutMs: 10_000,
    failOpen: false,
    outboxDir: '/srv/app/data/hooks-outbox',
  });
  const given = readConfig(
    {
      UPLOAD_HOOKS_URL: 'https://hooks.example.com/tus',
      UPLOAD_HOOKS_EVENTS: 'pre-create, post-finish ,pre-terminate',
      UPLOAD_HOOKS_SECRET: '0123456789abcdef',
      UPLOAD_HOOKS_TIMEOUT: '3s',
      UPLOAD_HOOKS_FAIL: 'open',
      UPLOAD_HOOKS_OUTBOX: '/var/lib/outbox',
    },
    cwd,
  ).webhooks;
  expect(given).toMatchObject({
    events: ['pre-create', 'post-finish', 'pre-terminate'],
    secret: '0123456789abcdef',
    timeoutMs: 3_000,
    failOpen: true,
    outboxDir: '/var/lib/outbox',
  });
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
  ['CORS_ALLOWED_ORIGINS', 'app.example.com', /CORS_ALLOWED_ORIGINS must be \* or a comma-separated list of origins/],
  ['CORS_ALLOWED_ORIGINS', 'https://app.example.com/', /not a bare origin \(did you mean "https:\/\/app.example.com"\?\)/],
  ['PUBLIC_URL', 'files.example.com', /PUBLIC_URL must be an absolute URL/],
  ['PUBLIC_URL', 'ftp://files.example.com', /PUBLIC_URL must start with http:\/\/ or https:\/\/ \(got "ftp:\/\/files.example.com"\)/],
  ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be true or false/],
  ['UPLOAD_DURABILITY', 'fast', /UPLOAD_DURABILITY must be one of strict, os \(got "fast"\)/],
  ['UPLOAD_TOKEN_SECRET', 'too-short', /UPLOAD_TOKEN_SECRET must be at least 32 characters long \(got 9\)/],
  ['REDIS_URL', 'not a url', /REDIS_URL must be an absolute URL such as redis:\/\/127.0.0.1:6379/],
  ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL must start with redis:\/\/ or rediss:\/\/ \(got http:\/\/…\)/],
  ['REDIS_KEY_PREFIX', 'my app:', /REDIS_KEY_PREFIX must be 1 to 64 printable characters without spaces/],
  ['REDIS_CACHE_TTL', 'a while', /REDIS_CACHE_TTL must be a duration/],
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

test('durations take units, and 0, off or never turn a timer off', () => {
  expect(parseDuration('90')).toBe(90_000);
  expect(parseDuration('500ms')).toBe(500);
  expect(parseDuration('1.5h')).toBe(5_400_000);
  expect(parseDuration('7d')).toBe(7 * 86_400_000);
  for (const off of ['0', 'off', 'never', '0s']) expect(parseDuration(off)).toBeNull();
  for (const bad of ['soon', '-5m', '10 weeks', '']) expect(parseDuration(bad)).toBeUndefined();
});

test('a bad expiry, interval or policy stops start-up naming the variable', () => {
  expect(() => readConfig({ UPLOAD_EXPIRES_AFTER: 'tomorrow' }, cwd)).toThrow(/UPLOAD_EXPIRES_AFTER/);
  expect(() => readConfig({ UPLOAD_SWEEP_INTERVAL: '-1' }, cwd)).toThrow(/UPLOAD_SWEEP_INTERVAL/);
  expect(() => readConfig({ UPLOAD_DELETE_FINISHED: 'sometimes' }, cwd)).toThrow(/UPLOAD_DELETE_FINISHED must be one of allow, deny/);
});

test('the HTTP server reads its own settings: idle timeout, shutdown grace, host, port and metrics', () => {
  const config = serverSettingsFromEnv({ UPLOAD_IDLE_TIMEOUT: '2m', SHUTDOWN_GRACE: '5s', HOST: '0.0.0.0', PORT: '8080' });
  expect(config).toEqual({ idleTimeoutMs: 120_000, shutdownGraceMs: 5_000, host: '0.0.0.0', port: 8080, metrics: null });
  expect(serverSettingsFromEnv({})).toEqual({
    idleTimeoutMs: 60_000,
    shutdownGraceMs: 10_000,
    host: '127.0.0.1',
    port: 3000,
    metrics: null,
  });
  // The metrics listener binds the loopback unless told otherwise, whatever HOST the app has (tus/metrics/server.test.ts).
  expect(serverSettingsFromEnv({ HOST: '0.0.0.0', METRICS_PORT: '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464, token: null });
  // An idle timeout of "off" would let a silent client hold a connection forever.
  expect(() => serverSettingsFromEnv({ UPLOAD_IDLE_TIMEOUT: 'off' })).toThrow(/UPLOAD_IDLE_TIMEOUT/);
  expect(() => serverSettingsFromEnv({ PORT: '70000' })).toThrow(/PORT/);
});

test('UPLOAD_TOKEN_SECRET turns access control on, and its value is never echoed in an error', () => {
  const secret = 'x'.repeat(32);
  expect(readConfig({ UPLOAD_TOKEN_SECRET: secret }, cwd).uploadTokenSecret).toBe(secret);
  expect(() => readConfig({ UPLOAD_TOKEN_SECRET: 'hunter2' }, cwd)).toThrow(/^(?!.*hunter2)/s);
});

test('UPLOAD_STORE=s3 reads the bucket, with path-style and SDK checksums only when required by default', () => {
  const { uploadStore, s3 } = readConfig(
    {
      UPLOAD_STORE: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:7480',
      S3_BUCKET: 'uploads',
      S3_ACCESS_KEY_ID: 'key',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_PART_SIZE: '16MiB',
    },
    cwd,
  );
  expect(uploadStore).toBe('s3');
  expect(s3).toEqual({
    endpoint: new URL('http://127.0.0.1:7480'),
    region: 'us-east-1',
    bucket: 'uploads',
    credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
    forcePathStyle: true,
    partSize: 16 * 2 ** 20,
    checksums: 'when_required',
  });
  // AWS itself: virtual-hosted buckets and the SDK's credential chain.
  const aws = readConfig({ UPLOAD_STORE: 's3', S3_BUCKET: 'my-bucket', S3_REGION: 'eu-west-3' }, cwd).s3;
  expect([aws?.endpoint, aws?.region, aws?.forcePathStyle, aws?.credentials, aws?.partSize]).toEqual([
    null,
    'eu-west-3',
    false,
    null,
    DEFAULTS.s3PartSize,
  ]);
  // S3_* are ignored with the file store.
  expect(readConfig({ S3_BUCKET: 'Not A Bucket' }, cwd).s3).toBeNull();
});

for (const [env, variable, message] of [
  [{ UPLOAD_STORE: 'ftp' }, 'UPLOAD_STORE', /must be one of file, s3/],
  [{ UPLOAD_STORE: 's3' }, 'S3_BUCKET', /S3_BUCKET is required when UPLOAD_STORE is s3/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'My_Bucket' }, 'S3_BUCKET', /must be a bucket name/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'b12', S3_ENDPOINT: '127.0.0.1:7480' }, 'S3_ENDPOINT', /must be a URL/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'b12', S3_ENDPOINT: 'ftp://s3.example' }, 'S3_ENDPOINT', /http or https/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'b12', S3_ACCESS_KEY_ID: 'key' }, 'S3_SECRET_ACCESS_KEY', /required when the other S3 key is set/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'b12', S3_PART_SIZE: '1MiB' }, 'S3_PART_SIZE', /at least 5242880 bytes/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'b12', S3_FORCE_PATH_STYLE: 'sometimes' }, 'S3_FORCE_PATH_STYLE', /true or false/],
  [{ UPLOAD_STORE: 's3', S3_BUCKET: 'b12', S3_CHECKSUMS: 'always' }, 'S3_CHECKSUMS', /when_required, when_supported/],
  [{ UPLOAD_HOOKS_URL: 'hooks.example.com' }, 'UPLOAD_HOOKS_URL', /must be an absolute URL such as http:\/\/127.0.0.1:8000\/tus-hooks/],
  [{ UPLOAD_HOOKS_EVENTS: 'post-finish' }, 'UPLOAD_HOOKS_EVENTS', /is set, but UPLOAD_HOOKS_URL is not/],
  [
    { UPLOAD_HOOKS_URL: 'http://h/', UPLOAD_HOOKS_EVENTS: 'post-finish,finished' },
    'UPLOAD_HOOKS_EVENTS',
    /lists "finished"; the events are pre-create/,
  ],
  [{ UPLOAD_HOOKS_URL: 'http://h/', UPLOAD_HOOKS_SECRET: 'short' }, 'UPLOAD_HOOKS_SECRET', /at least 16 characters long \(got 5\)/],
  [{ UPLOAD_HOOKS_URL: 'http://h/', UPLOAD_HOOKS_TIMEOUT: 'off' }, 'UPLOAD_HOOKS_TIMEOUT', /it cannot be off/],
  [{ UPLOAD_HOOKS_URL: 'http://h/', UPLOAD_HOOKS_FAIL: 'maybe' }, 'UPLOAD_HOOKS_FAIL', /must be one of closed, open/],
] as const) {
  test(`${Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')} stops start-up naming ${variable}`, () => {
    let error: unknown;
    try {
      readConfig(env, cwd);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
  });
}

test('REDIS_URL shares locks (and the S3 cache) through Redis; its password is never echoed in an error', () => {
  const config = readConfig({ REDIS_URL: 'rediss://app:s3cret@redis.example.com:6380/2', REDIS_KEY_PREFIX: 'files-eu:' }, cwd);
  expect(config.redisUrl?.href).toBe('rediss://app:s3cret@redis.example.com:6380/2');
  expect(config.redisKeyPrefix).toBe('files-eu:');
  expect(() => readConfig({ REDIS_URL: 'https://app:s3cret@redis.example.com' }, cwd)).toThrow(/^(?!.*s3cret)/s);
  // Cache entries outlive the expiry period by a week, or live as long as REDIS_CACHE_TTL says.
  expect(readConfig({ UPLOAD_EXPIRES_AFTER: '2d' }, cwd).redisCacheTtlMs).toBe(9 * 86_400_000);
  expect(readConfig({ UPLOAD_EXPIRES_AFTER: 'off' }, cwd).redisCacheTtlMs).toBe(7 * 86_400_000);
  expect(readConfig({ REDIS_CACHE_TTL: '36h' }, cwd).redisCacheTtlMs).toBe(36 * 3_600_000);
  expect(readConfig({ REDIS_CACHE_TTL: 'off' }, cwd).redisCacheTtlMs).toBeNull();
});
