import path from 'node:path';
import {
  ConfigError,
  readBoolean,
  readBytes,
  readChoice,
  readDuration,
  readPath,
  readRequired,
  readRequiredDuration,
  readUrl,
  type Env,
} from './env';
import { HOOK_TYPES, type HookType } from './hooks/types';
import { LOG_LEVELS, logSettingsFromEnv, type LogSettings } from './logging';
import { DEFAULT_WEBHOOK_EVENTS, type WebhookOptions } from './hooks/webhooks';
import type { UploadHooks } from './hooks/types';
import { DEFAULT_UPLOAD_PATH } from './upload-url';

/**
 * Every setting of the upload engine. Build it in code (`engineSettings()`
 * fills in defaults and checks values), or from the environment with
 * `engineSettingsFromEnv()`. The HTTP server's settings (http/settings.ts)
 * and the dashboard's (in the app) are read by those who use them.
 */
export interface EngineSettings {
  /** Where the endpoint is mounted: POST here creates, `<path>/<id>` is an upload. */
  path: string;
  /** Absolute path of the folder holding upload data and info files. */
  uploadDir: string;
  /** Largest upload accepted, in bytes (advertised as Tus-Max-Size). */
  maxSize: number;
  /**
   * What an acknowledged byte has survived (file store): `strict`, on the disk (flushed before every answer);
   * `os`, in the operating system's cache, as tusd and @tus/file-store promise: a crash of the server loses nothing,
   * a power cut or a kernel crash may lose the last seconds (docs/guarantees.md).
   */
  durability: Durability;
  /** Origins allowed to call the endpoint from a browser; `'*'` allows any. */
  corsOrigins: '*' | string[];
  /** Absolute base URL clients see (for Location), when behind a proxy that rewrites it. */
  publicUrl: URL | null;
  /** Trust `Forwarded` / `X-Forwarded-*` when building upload URLs. */
  trustProxy: boolean;
  /** What the engine logs to standard output (LOG_LEVEL, LOG_FORMAT). */
  log: LogSettings;
  /** A file that receives every record of the engine's log (requests and upload events), or null. */
  eventLog: string | null;
  /** An unfinished upload expires this long after its last accepted write; null = never. */
  expiresAfterMs: number | null;
  /** How often the in-process sweeper removes expired uploads; null = never. */
  sweepIntervalMs: number | null;
  /** Whether DELETE may remove an upload that is complete. */
  deleteFinished: boolean;
  /** How often, at most, the post-receive hook hears of a running request's progress (tusd's default: 1 s). */
  postReceiveIntervalMs: number;
  /** tusd-compatible hooks over HTTP (docs/hooks.md#webhooks); null = none. */
  webhooks: WebhookOptions | null;
  /** Secret that signs upload tokens; null = open mode (no access control). */
  uploadTokenSecret: string | null;
  /** Redis shared by every instance (locks, sweep turns, the S3 store's cache); null = one instance, locks in memory. */
  redisUrl: URL | null;
  /** Prepended to every Redis key and channel, so several deployments can share one Redis. */
  redisKeyPrefix: string;
  /** How long a cache entry in Redis lives after its last write; null = until deleted. */
  redisCacheTtlMs: number | null;
  /** Where uploads are kept: `file` in uploadDir, `s3` in the bucket of `s3`. */
  uploadStore: 'file' | 's3';
  /** The S3-compatible storage, when uploadStore is `s3`; null otherwise. */
  s3: S3Settings | null;
}

export const DURABILITIES = ['strict', 'os'] as const;
export type Durability = (typeof DURABILITIES)[number];

/** What an app gives the engine: the settings it does not want defaulted, and its hooks. */
export interface EngineOptions extends Partial<EngineSettings> {
  hooks?: UploadHooks;
}

/** An S3-compatible bucket (AWS S3, Ceph RGW, MinIO, R2…) that holds the uploads. */
export interface S3Settings {
  /** The service URL; null = AWS S3 in `region`. */
  endpoint: URL | null;
  region: string;
  bucket: string;
  /** Static credentials; null = the AWS SDK's own chain (AWS_* variables, instance role…). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** `endpoint/bucket/key` URLs instead of `bucket.endpoint/key`. */
  forcePathStyle: boolean;
  /** Size of each multipart part the store sends, at least 5 MiB. */
  partSize: number;
  /**
   * When the SDK adds checksums to requests and checks them on responses.
   * `when_required` by default: engines other than AWS refuse the aws-chunked
   * bodies `when_supported` sends (Ceph answers 411, Swift 501).
   */
  checksums: 'when_required' | 'when_supported';
}

function readOrigins(env: Env, name: string): '*' | string[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '' || raw === '*') return '*';
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(name, `must be * or a comma-separated list of origins like https://app.example.com (got "${origin}")`);
    }
    if (url.origin !== origin) {
      throw new ConfigError(name, `lists "${origin}", which is not a bare origin (did you mean "${url.origin}"?)`);
    }
    return origin;
  });
}

function readPublicUrl(env: Env, name: string): URL | null {
  const url = readUrl(env, name, ['http:', 'https:'], 'https://uploads.example.com', true);
  if (url && (url.search || url.hash)) {
    throw new ConfigError(name, `must not have a query or fragment (got "${url.href}")`);
  }
  return url;
}

/** S3's smallest part but the last. */
export const MIN_S3_PART_SIZE = 5 * 2 ** 20;

function readS3Settings(env: Env): S3Settings {
  const why = 'when UPLOAD_STORE is s3';
  const rawEndpoint = env.S3_ENDPOINT?.trim();
  let endpoint: URL | null = null;
  if (rawEndpoint) {
    try {
      endpoint = new URL(rawEndpoint);
    } catch {
      throw new ConfigError('S3_ENDPOINT', `must be a URL such as http://127.0.0.1:7480 (got "${rawEndpoint}")`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
      throw new ConfigError('S3_ENDPOINT', `must be an http or https URL (got "${rawEndpoint}")`);
    }
  }
  const bucket = readRequired(env, 'S3_BUCKET', why);
  // S3's own rule for bucket names (path-style buckets may hold dots too).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError('S3_BUCKET', `must be a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens (got "${bucket}")`);
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID?.trim() ?? '';
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY ?? '';
  if ((accessKeyId === '') !== (secretAccessKey === '')) {
    const missing = accessKeyId === '' ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY';
    throw new ConfigError(missing, 'is required when the other S3 key is set (set both, or neither to use the AWS SDK credential chain)');
  }
  return {
    endpoint,
    region: env.S3_REGION?.trim() || 'us-east-1',
    bucket,
    credentials: accessKeyId === '' ? null : { accessKeyId, secretAccessKey },
    // Only AWS itself serves every bucket as a host name; other engines are reached by path.
    forcePathStyle: readBoolean(env, 'S3_FORCE_PATH_STYLE', endpoint !== null),
    partSize: readBytes(env, 'S3_PART_SIZE', ENGINE_DEFAULTS.s3PartSize, MIN_S3_PART_SIZE),
    checksums: readChoice(env, 'S3_CHECKSUMS', ['when_required', 'when_supported'], 'when_required'),
  };
}

/** Shortest UPLOAD_TOKEN_SECRET accepted: 32 characters, about 192 bits when random. */
export const MIN_SECRET_LENGTH = 32;

function readSecret(env: Env, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  // The value is never echoed: it is a secret.
  if (raw.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(name, `must be at least ${MIN_SECRET_LENGTH} characters long (got ${raw.length}); try: openssl rand -hex 32`);
  }
  return raw;
}

/** Shorter secrets are guessable; a hook secret is compared by the receiver, not by us, so 16 is the floor. */
const MIN_HOOK_SECRET_LENGTH = 16;

function readWebhooks(env: Env, cwd: string): WebhookOptions | null {
  const url = readUrl(env, 'UPLOAD_HOOKS_URL', ['http:', 'https:'], 'http://127.0.0.1:8000/tus-hooks', true);
  if (url === null) {
    const stray = ['UPLOAD_HOOKS_EVENTS', 'UPLOAD_HOOKS_SECRET', 'UPLOAD_HOOKS_TIMEOUT', 'UPLOAD_HOOKS_FAIL'].find((name) =>
      env[name]?.trim(),
    );
    if (stray) throw new ConfigError(stray, 'is set, but UPLOAD_HOOKS_URL is not: set it to the URL that receives the hooks');
    return null;
  }
  const secret = env.UPLOAD_HOOKS_SECRET ?? '';
  if (secret !== '' && secret.length < MIN_HOOK_SECRET_LENGTH) {
    throw new ConfigError(
      'UPLOAD_HOOKS_SECRET',
      `must be at least ${MIN_HOOK_SECRET_LENGTH} characters long (got ${secret.length}); try: openssl rand -hex 32`,
    );
  }
  return {
    url,
    events: readHookEvents(env, 'UPLOAD_HOOKS_EVENTS'),
    secret: secret === '' ? null : secret,
    timeoutMs: readRequiredDuration(env, 'UPLOAD_HOOKS_TIMEOUT', ENGINE_DEFAULTS.webhookTimeoutMs),
    failOpen: readChoice(env, 'UPLOAD_HOOKS_FAIL', ['closed', 'open'], 'closed') === 'open',
    outboxDir: readPath(env, 'UPLOAD_HOOKS_OUTBOX', ENGINE_DEFAULTS.webhookOutboxDir, cwd),
  };
}

function readHookEvents(env: Env, name: string): HookType[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return [...DEFAULT_WEBHOOK_EVENTS];
  const events = raw.split(',').map((entry) => entry.trim());
  const unknown = events.find((event) => !HOOK_TYPES.includes(event as HookType));
  if (unknown !== undefined) throw new ConfigError(name, `lists "${unknown}"; the events are ${HOOK_TYPES.join(', ')}`);
  return events as HookType[];
}

function checkWebhooks(webhooks: WebhookOptions): void {
  const unknown = webhooks.events.find((event) => !HOOK_TYPES.includes(event));
  if (unknown !== undefined) throw new ConfigError('webhooks.events', `lists "${unknown}"; the events are ${HOOK_TYPES.join(', ')}`);
  if (!Number.isFinite(webhooks.timeoutMs) || webhooks.timeoutMs < 1) {
    throw new ConfigError('webhooks.timeoutMs', `must be at least 1 ms (got ${webhooks.timeoutMs})`);
  }
}

function readRedisUrl(env: Env, name: string): URL | null {
  return readUrl(env, name, ['redis:', 'rediss:'], 'redis://127.0.0.1:6379 or rediss://user:password@redis.example.com:6380/0', false);
}

function readKeyPrefix(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[\x21-\x7e]{1,64}$/.test(raw)) throw new ConfigError(name, `must be 1 to 64 printable characters without spaces (got "${raw}")`);
  return raw;
}

/** Abandoned cache entries outlive the uploads they describe by this much, unless REDIS_CACHE_TTL says otherwise. */
const CACHE_TTL_MARGIN_MS = 7 * 86_400_000;

export const ENGINE_DEFAULTS = {
  path: DEFAULT_UPLOAD_PATH,
  uploadDir: 'data/uploads',
  maxSize: 50 * 2 ** 30,
  expiresAfterMs: 24 * 3_600_000,
  sweepIntervalMs: 15 * 60_000,
  postReceiveIntervalMs: 1_000,
  webhookTimeoutMs: 10_000,
  webhookOutboxDir: 'data/hooks-outbox',
  s3PartSize: 8 * 2 ** 20,
  redisKeyPrefix: 'uploads:',
} as const;

/** The engine's settings from the environment (docs/configuration.md, "Engine"). */
export function engineSettingsFromEnv(env: Env = process.env, cwd: string = process.cwd()): EngineSettings {
  const eventLog = env.UPLOAD_EVENT_LOG?.trim();
  const uploadStore = readChoice(env, 'UPLOAD_STORE', ['file', 's3'], 'file');
  const expiresAfterMs = readDuration(env, 'UPLOAD_EXPIRES_AFTER', ENGINE_DEFAULTS.expiresAfterMs);
  return {
    path: ENGINE_DEFAULTS.path,
    uploadDir: readPath(env, 'UPLOAD_DIR', ENGINE_DEFAULTS.uploadDir, cwd),
    maxSize: readBytes(env, 'UPLOAD_MAX_SIZE', ENGINE_DEFAULTS.maxSize, 1),
    durability: readChoice(env, 'UPLOAD_DURABILITY', DURABILITIES, 'strict'),
    corsOrigins: readOrigins(env, 'CORS_ALLOWED_ORIGINS'),
    publicUrl: readPublicUrl(env, 'PUBLIC_URL'),
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    log: logSettingsFromEnv(env),
    eventLog: eventLog ? path.resolve(cwd, eventLog) : null,
    expiresAfterMs,
    sweepIntervalMs: readDuration(env, 'UPLOAD_SWEEP_INTERVAL', ENGINE_DEFAULTS.sweepIntervalMs),
    deleteFinished: readChoice(env, 'UPLOAD_DELETE_FINISHED', ['allow', 'deny'], 'allow') === 'allow',
    postReceiveIntervalMs: ENGINE_DEFAULTS.postReceiveIntervalMs,
    webhooks: readWebhooks(env, cwd),
    uploadTokenSecret: readSecret(env, 'UPLOAD_TOKEN_SECRET'),
    uploadStore,
    s3: uploadStore === 's3' ? readS3Settings(env) : null,
    redisUrl: readRedisUrl(env, 'REDIS_URL'),
    redisKeyPrefix: readKeyPrefix(env, 'REDIS_KEY_PREFIX', ENGINE_DEFAULTS.redisKeyPrefix),
    redisCacheTtlMs: readDuration(env, 'REDIS_CACHE_TTL', cacheTtlFor(expiresAfterMs)),
  };
}

/**
 * Settings given in code, completed with the defaults of the embedded setup
 * (a local folder, no Redis, open access) and checked like the
 * environment's: a bad value is a ConfigError naming the setting.
 */
export function engineSettings(options: Partial<EngineSettings> = {}, cwd: string = process.cwd()): EngineSettings {
  const expiresAfterMs = options.expiresAfterMs === undefined ? ENGINE_DEFAULTS.expiresAfterMs : options.expiresAfterMs;
  const settings: EngineSettings = {
    path: ENGINE_DEFAULTS.path,
    maxSize: ENGINE_DEFAULTS.maxSize,
    durability: 'strict',
    corsOrigins: '*',
    publicUrl: null,
    trustProxy: false,
    log: { level: 'info', format: 'json' },
    eventLog: null,
    sweepIntervalMs: ENGINE_DEFAULTS.sweepIntervalMs,
    deleteFinished: true,
    postReceiveIntervalMs: ENGINE_DEFAULTS.postReceiveIntervalMs,
    webhooks: null,
    uploadTokenSecret: null,
    uploadStore: options.s3 ? 's3' : 'file',
    s3: null,
    redisUrl: null,
    redisKeyPrefix: ENGINE_DEFAULTS.redisKeyPrefix,
    redisCacheTtlMs: cacheTtlFor(expiresAfterMs),
    ...options,
    uploadDir: path.resolve(cwd, options.uploadDir ?? ENGINE_DEFAULTS.uploadDir),
    expiresAfterMs,
  };
  if (!Number.isSafeInteger(settings.maxSize) || settings.maxSize < 1) {
    throw new ConfigError('maxSize', `must be a whole number of bytes, at least 1 (got ${settings.maxSize})`);
  }
  if (!Number.isFinite(settings.postReceiveIntervalMs) || settings.postReceiveIntervalMs < 1) {
    throw new ConfigError('postReceiveIntervalMs', `must be at least 1 ms (got ${settings.postReceiveIntervalMs})`);
  }
  if (settings.webhooks) checkWebhooks(settings.webhooks);
  if (!LOG_LEVELS.includes(settings.log.level)) {
    throw new ConfigError('log.level', `must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(settings.log.level)})`);
  }
  if (!DURABILITIES.includes(settings.durability)) {
    throw new ConfigError('durability', `must be one of ${DURABILITIES.join(', ')} (got ${JSON.stringify(settings.durability)})`);
  }
  if (settings.uploadStore === 's3' && !settings.s3) throw new ConfigError('s3', 'is required when uploadStore is s3');
  if (settings.uploadTokenSecret !== null) readSecret({ uploadTokenSecret: settings.uploadTokenSecret }, 'uploadTokenSecret');
  return settings;
}

function cacheTtlFor(expiresAfterMs: number | null): number {
  return (expiresAfterMs ?? 0) + CACHE_TTL_MARGIN_MS;
}
