import type { Redis } from 'ioredis';
import { refuse } from '../errors';
import { refuseWhenUnreachable } from '../redis/connection';
import { PARALLEL_DELIVERIES, retryDelay, type Outbox, type OutboxRecord, type RetryPolicy } from './outbox';

/** How often each instance looks for events that are due (its own are tried at once). */
const POLL_MS = 1_000;

/**
 * Takes up to ARGV[2] events due at ARGV[1] and hides them for ARGV[3] ms
 * (a lease: an instance that dies holding them lets them come due again),
 * atomically, so two instances never deliver the same event at once.
 */
const CLAIM = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #keys == 0 then return {} end
for _, key in ipairs(keys) do redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), key) end
local bodies = redis.call('HMGET', KEYS[2], unpack(keys))
local result = {}
for i, key in ipairs(keys) do
  if bodies[i] then table.insert(result, key); table.insert(result, bodies[i]) else redis.call('ZREM', KEYS[1], key) end
end
return result`;

/**
 * Post-* events in Redis (with REDIS_URL), shared by every instance: kept by
 * one command before the request is answered (as durable as Redis is made:
 * `appendonly yes` with `appendfsync always` for the strict promise), and
 * delivered by whichever instance claims them first, at least once, with
 * backoff across restarts. Keys: `<prefix>hooks:events` (key → body),
 * `<prefix>hooks:due` (key → when), `<prefix>hooks:attempts` (key → failures).
 */
export class RedisOutbox implements Outbox {
  private readonly events: string;
  private readonly due: string;
  private readonly attempts: string;
  private timer: NodeJS.Timeout | null = null;
  private running = 0;
  private polling = false;
  private redisDown = false;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly deliver: (record: OutboxRecord) => Promise<void>,
    private readonly retry: RetryPolicy,
    /** How long a claimed event stays hidden from other instances: longer than a delivery can take. */
    private readonly leaseMs: number,
    private readonly report: (message: string) => void,
  ) {
    this.events = `${keyPrefix}hooks:events`;
    this.due = `${keyPrefix}hooks:due`;
    this.attempts = `${keyPrefix}hooks:attempts`;
    redis.defineCommand('claimHookEvents', { numberOfKeys: 2, lua: CLAIM });
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
    await this.poll();
  }

  async add(record: OutboxRecord): Promise<void> {
    await refuseWhenUnreachable('keeping a hook event', refuse.hookOutboxUnavailable, () =>
      this.redis.multi().hset(this.events, record.key, record.body).zadd(this.due, Date.now(), record.key).exec(),
    );
    void this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.running >= PARALLEL_DELIVERIES) return;
    this.polling = true;
    let claimed: string[];
    try {
      const claim = (this.redis as unknown as { claimHookEvents: (...args: Array<string | number>) => Promise<string[]> }).claimHookEvents;
      claimed = await claim.call(this.redis, this.due, this.events, Date.now(), PARALLEL_DELIVERIES - this.running, this.leaseMs);
      if (this.redisDown) this.report('the outbox in Redis is reachable again');
      this.redisDown = false;
    } catch (error) {
      if (!this.redisDown) this.report(`the outbox in Redis cannot be read (${(error as Error).message}); retrying`);
      this.redisDown = true;
      return;
    } finally {
      this.polling = false;
    }
    for (let index = 0; index < claimed.length; index += 2) {
      this.running += 1;
      void this.attempt({ key: claimed[index], body: claimed[index + 1] }).finally(() => {
        this.running -= 1;
      });
    }
  }

  private async attempt(record: OutboxRecord): Promise<void> {
    try {
      await this.deliver(record);
    } catch (error) {
      const attempt = await this.redis.hincrby(this.attempts, record.key, 1).catch(() => 1);
      const delay = retryDelay(this.retry, attempt);
      if (attempt === 1 || (delay === this.retry.maxMs && retryDelay(this.retry, attempt - 1) < delay)) {
        this.report(
          `${record.key} not delivered (${error instanceof Error ? error.message : String(error)}); retrying in ${delay / 1000} s`,
        );
      }
      // If this fails too, the lease runs out and the event comes due again.
      await this.redis.zadd(this.due, Date.now() + delay, record.key).catch(() => undefined);
      return;
    }
    // If this fails, the event is sent again once its lease runs out: at least once, with its key.
    await this.redis
      .multi()
      .hdel(this.events, record.key)
      .hdel(this.attempts, record.key)
      .zrem(this.due, record.key)
      .exec()
      .catch(() => undefined);
  }
}
