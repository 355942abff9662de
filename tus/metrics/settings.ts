import net from 'node:net';
import { ConfigError, readInteger, type Env } from '../env';

/** Where the production server serves the metrics (metrics/server.ts): a listener of its own, never the app's port. */
export interface MetricsSettings {
  host: string;
  port: number;
  /** When set, a scrape must send `Authorization: Bearer <token>`; required on an address other machines can reach. */
  token: string | null;
}

/** Shortest METRICS_TOKEN accepted: as for UPLOAD_TOKEN_SECRET, about 192 bits when random. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/**
 * The metrics listener's settings from the environment, or null when
 * METRICS_PORT is unset: off by default, because a second port is the
 * operator's choice (two instances on one machine would fight over a
 * default one), and metrics tell who uploads how much, when.
 */
export function metricsSettingsFromEnv(env: Env, appPort: number): MetricsSettings | null {
  const host = env.METRICS_HOST?.trim() || null;
  const token = env.METRICS_TOKEN === undefined || env.METRICS_TOKEN === '' ? null : env.METRICS_TOKEN;
  if (env.METRICS_PORT === undefined || env.METRICS_PORT.trim() === '') {
    const given = host !== null ? 'METRICS_HOST' : token !== null ? 'METRICS_TOKEN' : null;
    if (given) throw new ConfigError('METRICS_PORT', `is required when ${given} is set (the metrics are served on a port of their own)`);
    return null;
  }
  const port = readInteger(env, 'METRICS_PORT', 0, 1, 65535);
  if (port === appPort)
    throw new ConfigError('METRICS_PORT', `must differ from PORT (both are ${port}): the metrics have a port of their own`);
  // The value is never echoed: it is a secret.
  if (token !== null && token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(
      'METRICS_TOKEN',
      `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long (got ${token.length}); try: openssl rand -hex 32`,
    );
  }
  const bind = host ?? '127.0.0.1';
  if (token === null && !isLoopback(bind)) {
    throw new ConfigError(
      'METRICS_TOKEN',
      `is required when METRICS_HOST (${bind}) is not a loopback address: other machines could read the metrics (or bind 127.0.0.1)`,
    );
  }
  return { host: bind, port, token };
}

/** Whether only this machine can reach `host`: localhost, 127.0.0.0/8 or ::1. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  return net.isIPv6(bare) && (bare === '::1' || /^::ffff:127\./.test(bare));
}
