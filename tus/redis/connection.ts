import { Redis } from 'ioredis';
import type { UploadError } from '../errors';
import { log } from '../logging';

/** A connection attempt that gets no answer (a host that drops packets) fails after this long. */
const CONNECT_TIMEOUT_MS = 2_000;
/** A command on a live socket that gets no reply (a frozen Redis) fails after this long. */
const COMMAND_TIMEOUT_MS = 2_000;
/** Reconnection attempts back off up to this delay, forever: Redis coming back is picked up by itself. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * One ioredis connection to `url` (redis:// or rediss://), tuned for an
 * upload server: while Redis is unreachable a command fails within a few
 * seconds (one reconnection attempt, `maxRetriesPerRequest: 0`) instead of
 * waiting in ioredis's offline queue for as long as the outage lasts, so a
 * request gets a clear error rather than hanging; the connection keeps
 * reconnecting in the background and works again as soon as Redis is back.
 * `role` names it in the log ("locks", "lock events", "cache").
 */
export function connectRedis(url: URL, role: string): Redis {
  const redis = new Redis(url.href, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    connectionName: `uploads:${role}`,
  });
  // One line per outage and per recovery, not one per reconnection attempt.
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log().error({ redis: role }, `redis ${role}: ${redactedHost(url)} unreachable (${error.message}); retrying in the background`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log().info({ redis: role }, `redis ${role}: ${redactedHost(url)} reachable again`);
  });
  return redis;
}

/** The URL without credentials, for logs. */
function redactedHost(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * Runs Redis commands for a request; a failure (Redis unreachable, a
 * command timing out) is logged and becomes `refusal`: the client gets a
 * clear, retriable answer instead of a 500.
 */
export async function refuseWhenUnreachable<T>(what: string, refusal: () => UploadError, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    log().error({ err: error }, `redis: ${what} failed`);
    throw refusal();
  }
}
