import path from 'node:path';

/**
 * Reading settings from environment variables. A bad value stops start-up
 * with a ConfigError naming the variable, so a typo in production fails
 * loudly instead of silently running with a default. Each reader of
 * settings (the engine, the HTTP server, the dashboard) reads its own
 * variables with these.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables by name, as in process.env. */
export type Env = Record<string, string | undefined>;

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

export function readBytes(env: Env, name: string, fallback: number, min: number): number {
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

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
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

export function readDuration(env: Env, name: string, fallback: number | null): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new ConfigError(name, `must be a duration such as 90 (seconds), 30s, 10m, 24h or 7d, or off (got "${raw}")`);
  }
  return ms;
}

export function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  const choice = choices.find((candidate) => candidate === raw);
  if (choice === undefined) throw new ConfigError(name, `must be one of ${choices.join(', ')} (got "${env[name]}")`);
  return choice;
}

export function readRequiredDuration(env: Env, name: string, fallback: number): number {
  const ms = readDuration(env, name, fallback);
  if (ms === null) throw new ConfigError(name, `must be a duration such as 30s or 2m; it cannot be off (got "${env[name]}")`);
  return ms;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${env[name]}")`);
}

/**
 * An absolute URL with one of `protocols`, or null when unset. A value that
 * may hold a password (`showValue: false`) is never echoed in an error.
 */
export function readUrl(env: Env, name: string, protocols: string[], example: string, showValue: boolean): URL | null {
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

export function readPath(env: Env, name: string, fallback: string, cwd: string): string {
  const raw = env[name]?.trim();
  return path.resolve(cwd, raw === undefined || raw === '' ? fallback : raw);
}

export function readRequired(env: Env, name: string, why: string): string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') throw new ConfigError(name, `is required ${why}`);
  return raw;
}
