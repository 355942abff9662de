import path from 'node:path';

/**
 * Every setting of the upload engine, read once from the environment.
 *
 * A bad value stops start-up with a ConfigError naming the variable, so a typo
 * in production fails loudly instead of silently running with a default.
 */
export interface UploadConfig {
  /** Absolute path of the folder holding upload data and info files. */
  uploadDir: string;
  /** Largest upload accepted, in bytes (advertised as Tus-Max-Size). */
  maxSize: number;
  /** Size of each PATCH the dashboard sends, in bytes. */
  chunkSize: number;
  /** Parallel uploads the dashboard runs at once. */
  parallelFiles: number;
  /** Origins allowed to call the endpoint from a browser; `'*'` allows any. */
  corsOrigins: '*' | string[];
  /** Absolute base URL clients see (for Location), when behind a proxy that rewrites it. */
  publicUrl: URL | null;
  /** Trust `Forwarded` / `X-Forwarded-*` when building upload URLs. */
  trustProxy: boolean;
  /** JSON-lines file that receives one line per upload event, or null. */
  eventLog: string | null;
  /** An unfinished upload expires this long after its last accepted write; null = never. */
  expiresAfterMs: number | null;
  /** How often the in-process sweeper removes expired uploads; null = never. */
  sweepIntervalMs: number | null;
  /** Whether DELETE may remove an upload that is complete. */
  deleteFinished: boolean;
  /** Pieces the dashboard splits one large file into (1 = never split). */
  parallelParts: number;
  /** Files smaller than this are uploaded in one piece. */
  parallelMinSize: number;
  /** A connection that sends nothing for this long is closed (slowloris); there is no cap on a request that keeps moving. */
  idleTimeoutMs: number;
  /** On SIGTERM, how long running requests may finish before their connections are cut. */
  shutdownGraceMs: number;
  /** Address and port the HTTP server listens on. */
  host: string;
  port: number;
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

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Parses "1048576", "512MiB", "2 GB" into bytes. */
export function parseByteSize(raw: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  if (!match) return null;
  const unit = BYTE_UNITS[match[2].toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

function readBytes(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const bytes = parseByteSize(raw);
  if (bytes === null) {
    throw new ConfigError(name, `must be a size in bytes such as 1073741824, 512MiB or 2GB (got "${raw}")`);
  }
  if (bytes < min) {
    throw new ConfigError(name, `must be at least ${min} bytes (got "${raw}")`);
  }
  return bytes;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `must be a whole number (got "${raw}")`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

const DURATION_UNITS: Record<string, number> = { '': 1000, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "90" (seconds), "500ms", "30s", "10m", "24h", "7d" into milliseconds; "0", "off" and "never" into null. */
export function parseDuration(raw: string): number | null | undefined {
  const text = raw.trim().toLowerCase();
  if (text === 'off' || text === 'never') return null;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)$/.exec(text);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[match[2]]);
  if (!Number.isSafeInteger(ms)) return undefined;
  return ms === 0 ? null : ms;
}

function readDuration(env: Env, name: string, fallback: number | null): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new ConfigError(name, `must be a duration such as 90 (seconds), 30s, 10m, 24h or 7d, or off (got "${raw}")`);
  }
  return ms;
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  const choice = choices.find((candidate) => candidate === raw);
  if (choice === undefined) throw new ConfigError(name, `must be one of ${choices.join(', ')} (got "${env[name]}")`);
  return choice;
}

function readRequiredDuration(env: Env, name: string, fallback: number): number {
  const ms = readDuration(env, name, fallback);
  if (ms === null) throw new ConfigError(name, `must be a duration such as 30s or 2m; it cannot be off (got "${env[name]}")`);
  return ms;
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${env[name]}")`);
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

/**
 * An absolute URL with one of `protocols`, or null when unset. A value that
 * may hold a password (`showValue: false`) is never echoed in an error.
 */
function readUrl(env: Env, name: string, protocols: string[], example: string, showValue: boolean): URL | null {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return null;
  const got = showValue ? ` (got "${raw}")` : '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL such as ${example}${got}`);
  }
  if (!protocols.includes(url.protocol)) {
    const schemes = protocols.map((protocol) => `${protocol}//`).join(' or ');
    throw new ConfigError(name, `must start with ${schemes}${showValue ? got : ` (got ${url.protocol}//…)`}`);
  }
  return url;
}

function readPublicUrl(env: Env, name: string): URL | null {
  const url = readUrl(env, name, ['http:', 'https:'], 'https://uploads.example.com', true);
  if (url && (url.search || url.hash)) {
    throw new ConfigError(name, `must not have a query or fragment (got "${url.href}")`);
  }
  return url;
}

function readPath(env: Env, name: string, fallback: string, cwd: string): string {
  const raw = env[name]?.trim();
  return path.resolve(cwd, raw === undefined || raw === '' ? fallback : raw);
}

function readRequired(env: Env, name: string, why: string): string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') throw new ConfigError(name, `is required ${why}`);
  return raw;
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
    partSize: readBytes(env, 'S3_PART_SIZE', DEFAULTS.s3PartSize, MIN_S3_PART_SIZE),
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

export const DEFAULTS = {
  uploadDir: 'data/uploads',
  maxSize: 50 * 2 ** 30,
  chunkSize: 32 * 2 ** 20,
  parallelFiles: 3,
  expiresAfterMs: 24 * 3_600_000,
  sweepIntervalMs: 15 * 60_000,
  parallelParts: 4,
  parallelMinSize: 64 * 2 ** 20,
  idleTimeoutMs: 60_000,
  shutdownGraceMs: 10_000,
  host: '127.0.0.1',
  port: 3000,
  s3PartSize: 8 * 2 ** 20,
  redisKeyPrefix: 'uploads:',
} as const;

export function readConfig(env: Env = process.env, cwd: string = process.cwd()): UploadConfig {
  const maxSize = readBytes(env, 'UPLOAD_MAX_SIZE', DEFAULTS.maxSize, 1);
  const chunkSize = readBytes(env, 'UPLOAD_CHUNK_SIZE', DEFAULTS.chunkSize, 64 * 2 ** 10);
  const eventLog = env.UPLOAD_EVENT_LOG?.trim();
  const uploadStore = readChoice(env, 'UPLOAD_STORE', ['file', 's3'], 'file');
  const expiresAfterMs = readDuration(env, 'UPLOAD_EXPIRES_AFTER', DEFAULTS.expiresAfterMs);
  return {
    uploadDir: readPath(env, 'UPLOAD_DIR', DEFAULTS.uploadDir, cwd),
    maxSize,
    chunkSize: Math.min(chunkSize, maxSize),
    parallelFiles: readInteger(env, 'UPLOAD_PARALLEL_FILES', DEFAULTS.parallelFiles, 1, 20),
    corsOrigins: readOrigins(env, 'CORS_ALLOWED_ORIGINS'),
    publicUrl: readPublicUrl(env, 'PUBLIC_URL'),
    trustProxy: readBoolean(env, 'TRUST_PROXY', false),
    eventLog: eventLog ? path.resolve(cwd, eventLog) : null,
    expiresAfterMs,
    sweepIntervalMs: readDuration(env, 'UPLOAD_SWEEP_INTERVAL', DEFAULTS.sweepIntervalMs),
    deleteFinished: readChoice(env, 'UPLOAD_DELETE_FINISHED', ['allow', 'deny'], 'allow') === 'allow',
    parallelParts: readInteger(env, 'UPLOAD_PARALLEL_PARTS', DEFAULTS.parallelParts, 1, 16),
    parallelMinSize: readBytes(env, 'UPLOAD_PARALLEL_MIN_SIZE', DEFAULTS.parallelMinSize, 1),
    idleTimeoutMs: readRequiredDuration(env, 'UPLOAD_IDLE_TIMEOUT', DEFAULTS.idleTimeoutMs),
    shutdownGraceMs: readRequiredDuration(env, 'SHUTDOWN_GRACE', DEFAULTS.shutdownGraceMs),
    host: env.HOST?.trim() || DEFAULTS.host,
    port: readInteger(env, 'PORT', DEFAULTS.port, 1, 65535),
    uploadTokenSecret: readSecret(env, 'UPLOAD_TOKEN_SECRET'),
    uploadStore,
    s3: uploadStore === 's3' ? readS3Settings(env) : null,
    redisUrl: readRedisUrl(env, 'REDIS_URL'),
    redisKeyPrefix: readKeyPrefix(env, 'REDIS_KEY_PREFIX', DEFAULTS.redisKeyPrefix),
    redisCacheTtlMs: readDuration(env, 'REDIS_CACHE_TTL', (expiresAfterMs ?? 0) + CACHE_TTL_MARGIN_MS),
  };
}

let cached: UploadConfig | undefined;

/** The process-wide configuration, validated on first use. */
export function config(): UploadConfig {
  cached ??= readConfig();
  return cached;
}
