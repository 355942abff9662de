import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Extends the key's expiry only while it still holds our token: never someone else's lease. */
const RENEW_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the key only while it still holds our token: a lease that expired and was taken since stays taken. */
const DELETE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** A key held in Redis by this process, renewed until released. */
export interface Lease {
  /** Ends the lease; true when the key was still ours (false: it had expired or been taken over). */
  release(): Promise<boolean>;
}

/**
 * Takes `key` if nobody holds it (`SET key token NX PX ttl`), or returns null.
 * While held, the lease is renewed every third of `ttlMs`, so a live holder
 * keeps it however long it works while a dead one loses it within `ttlMs`.
 * `onLost` is called once if the lease can no longer be trusted: a renewal
 * found the key gone or someone else's (it expired, or Redis restarted
 * empty), or Redis could not confirm it for a whole TTL (by then it may have
 * expired there). Rejects when Redis cannot be reached.
 */
export async function acquireLease(redis: Redis, key: string, ttlMs: number, onLost: () => void): Promise<Lease | null> {
  const token = randomUUID();
  const sentAt = Date.now();
  const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return null;
  return new RenewedLease(redis, key, token, ttlMs, onLost, sentAt);
}

class RenewedLease implements Lease {
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly token: string,
    private readonly ttlMs: number,
    private readonly onLost: () => void,
    /** When the last confirmation was sent: the key is ours at least until this plus the TTL. */
    private confirmedAt: number,
  ) {
    this.schedule();
  }

  async release(): Promise<boolean> {
    this.stop();
    return (await this.redis.eval(DELETE_IF_OURS, 1, this.key, this.token)) === 1;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.renew(), this.ttlMs / 3);
    // A lease never keeps a process alive by itself (npm run sweep must exit).
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const sentAt = Date.now();
    let renewed: boolean;
    try {
      renewed = (await this.redis.eval(RENEW_IF_OURS, 1, this.key, this.token, String(this.ttlMs))) === 1;
    } catch {
      if (this.ended) return;
      if (Date.now() - this.confirmedAt >= this.ttlMs) this.lose();
      else this.schedule();
      return;
    }
    if (this.ended) return;
    if (!renewed) return this.lose();
    this.confirmedAt = sentAt;
    this.schedule();
  }

  private lose(): void {
    this.stop();
    this.onLost();
  }

  private stop(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }
}
