import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { Redis } from 'ioredis';
import { refuse } from '../errors';
import { connectRedis, refuseWhenUnreachable } from '../redis/connection';
import { acquireLease, type Lease } from '../redis/lease';
import { log } from '../logging';

export interface RedisLockerOptions {
  /** Connection for commands. */
  redis: Redis;
  /** A second connection, given over to pub/sub (a subscribed connection can run no other command). */
  subscriber: Redis;
  /** Prepended to every key and channel, so several apps can share one Redis. */
  keyPrefix: string;
  /**
   * How long a lock outlives its holder's last renewal. Short, so a crashed
   * holder's lock is gone within seconds; it must stay well below the acquire
   * timeout minus @tus/server's lockDrainTimeout (3 s), or a request waiting
   * behind a crashed holder gives up before the lock expires.
   */
  ttlMs?: number;
  /** A request waiting this long for a lock gives up with ERR_LOCK_TIMEOUT, as with MemoryLocker. */
  acquireTimeoutMs?: number;
  /**
   * Waiters are woken by the holder's release; should that message be lost,
   * they check again this often. Capped at MAX_RECHECK_MS: no setting leaves
   * a waiter asleep behind a lock that is already free.
   */
  retryIntervalMs?: number;
}

export const LOCK_DEFAULTS = { ttlMs: 6_000, acquireTimeoutMs: 30_000, retryIntervalMs: 500 } as const;

/** The longest a waiter sleeps without checking the lock again, whatever `retryIntervalMs` says. */
export const MAX_RECHECK_MS = 2_000;

/**
 * @tus/server's Locker across processes: any number of app instances on one
 * Redis lock each upload for one request at a time.
 *
 * - A lock is a lease on `<prefix>lock:<id>` (see redis/lease.ts): taken with
 *   SET NX PX, renewed while its request runs, released by compare-and-DEL,
 *   gone within `ttlMs` when its holder's process dies.
 * - A request that finds the upload locked asks the holder to let go, as
 *   MemoryLocker does in one process: it publishes the id on
 *   `<prefix>lock:release-requests`; the holder's process calls the local
 *   `requestRelease()` of its request, which @tus/server turns into "store
 *   what you have and answer" within its lockDrainTimeout.
 * - The release publishes the id on `<prefix>lock:released`, which wakes the
 *   waiters at once. Pub/sub delivers at most once, and only to a connection
 *   already subscribed: a locker that has just (re)connected may miss a
 *   release. So once its subscription is confirmed it wakes every waiter to
 *   check the key again, and waiters check again at least every
 *   `retryIntervalMs` (at most MAX_RECHECK_MS) whatever the messages say; a
 *   lock freed by its TTL (a crashed holder) sends no message at all.
 * - A holder whose lease is lost (expired during a stall of the process,
 *   Redis restarted empty or unreachable for a whole TTL) is asked to release
 *   too: someone else may hold the upload now.
 * - Redis unreachable: acquiring fails fast with 503 ERR_LOCK_UNAVAILABLE;
 *   there is no safe fallback to a local lock.
 */
export class RedisLocker implements Locker {
  readonly keyPrefix: string;
  readonly ttlMs: number;
  readonly acquireTimeoutMs: number;
  readonly retryIntervalMs: number;
  readonly redis: Redis;
  private readonly subscriber: Redis;
  /** The requests of this process holding a lock, by upload id: whom to ask when another process wants it. */
  private readonly holders = new Map<string, RequestRelease>();
  /** Who to wake, by upload id, when a lock is released anywhere. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly releaseRequests: string;
  private readonly released: string;
  /** Whether the subscriber's current connection has its subscription confirmed: messages reach us. */
  private listening = false;
  /** Who to tell when the subscription is next confirmed. */
  private readonly listeners = new Set<() => void>();

  constructor(options: RedisLockerOptions) {
    this.redis = options.redis;
    this.keyPrefix = options.keyPrefix;
    this.ttlMs = options.ttlMs ?? LOCK_DEFAULTS.ttlMs;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? LOCK_DEFAULTS.acquireTimeoutMs;
    this.retryIntervalMs = Math.min(options.retryIntervalMs ?? LOCK_DEFAULTS.retryIntervalMs, MAX_RECHECK_MS);
    this.releaseRequests = `${this.keyPrefix}lock:release-requests`;
    this.released = `${this.keyPrefix}lock:released`;
    this.subscriber = options.subscriber;
    const { subscriber } = this;
    subscriber.on('message', (channel: string, id: string) => {
      if (channel === this.releaseRequests) this.holders.get(id)?.();
      else if (channel === this.released) for (const wake of this.waiters.get(id) ?? []) wake();
    });
    const subscribe = () => {
      subscriber.subscribe(this.releaseRequests, this.released).then(
        () => this.nowListening(),
        (error: unknown) => {
          log().error({ err: error }, 'redis: subscribing to lock events failed');
        },
      );
    };
    // On every (re)connection, not once: a subscription that failed while Redis was down is not retried by ioredis.
    subscriber.on('ready', subscribe);
    subscriber.on('close', () => {
      this.listening = false;
    });
    if (subscriber.status === 'ready') subscribe();
  }

  /** Resolves once this locker hears lock events: its subscription is confirmed on the current connection. */
  listeningForEvents(): Promise<void> {
    if (this.listening) return Promise.resolve();
    return new Promise((resolve) => this.listeners.add(resolve));
  }

  private nowListening(): void {
    this.listening = true;
    for (const resolve of this.listeners) resolve();
    this.listeners.clear();
    // Releases published before this point never reached us: every waiter looks at its key again.
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  /** A locker on its own two connections to `url`. */
  static connect(
    url: URL,
    keyPrefix: string,
    options: Partial<Omit<RedisLockerOptions, 'redis' | 'subscriber' | 'keyPrefix'>> = {},
  ): RedisLocker {
    return new RedisLocker({ ...options, keyPrefix, redis: connectRedis(url, 'locks'), subscriber: connectRedis(url, 'lock events') });
  }

  /** Closes both connections; locks still held expire within the TTL. */
  close(): void {
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  newLock(id: string): RedisLock {
    return new RedisLock(id, this);
  }

  /**
   * The lock of `id` if nobody holds it, else null; never
   * asks a holder to release. For the sweeper, which must not cut short a
   * PATCH being written. Rejects with ERR_LOCK_UNAVAILABLE when Redis cannot
   * be reached.
   */
  async lockIfIdle(id: string): Promise<RedisLock | null> {
    const lock = this.newLock(id);
    return (await unavailableOnFailure(() => lock.tryLock(() => undefined))) ? lock : null;
  }

  keyOf(id: string): string {
    return `${this.keyPrefix}lock:${id}`;
  }

  /** @internal For RedisLock. */
  hold(id: string, requestRelease: RequestRelease): void {
    this.holders.set(id, requestRelease);
  }

  /** @internal For RedisLock. */
  letGo(id: string, requestRelease: RequestRelease): void {
    // A lease lost and taken by another request of this process is that request's now.
    if (this.holders.get(id) === requestRelease) this.holders.delete(id);
  }

  /** @internal For RedisLock: asks whoever holds `id`, here or in another process, to release it. */
  async askRelease(id: string): Promise<void> {
    this.holders.get(id)?.();
    await this.redis.publish(this.releaseRequests, id);
  }

  /** @internal For RedisLock. */
  async announceRelease(id: string): Promise<void> {
    await this.redis.publish(this.released, id);
  }

  /**
   * @internal For RedisLock: `worthChecking` resolves at the next release of
   * `id` announced after this call, or when the subscription is next
   * confirmed (a release may have gone unheard before). Watching starts
   * before the lock is tried, so a release between a failed try and the wait
   * is not missed.
   */
  watchRelease(id: string): { worthChecking: Promise<void>; stop(): void } {
    let wake!: () => void;
    const worthChecking = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const set = this.waiters.get(id) ?? new Set();
    set.add(wake);
    this.waiters.set(id, set);
    return {
      worthChecking,
      stop: () => {
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
      },
    };
  }
}

export class RedisLock implements Lock {
  private lease: Lease | null = null;
  private requestRelease: RequestRelease | null = null;

  constructor(
    private readonly id: string,
    private readonly locker: RedisLocker,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { locker, id } = this;
    const deadline = Date.now() + locker.acquireTimeoutMs;
    for (;;) {
      if (signal.aborted) throw ERRORS.ABORTED;
      const watch = locker.watchRelease(id);
      try {
        if (await unavailableOnFailure(() => this.tryLock(requestRelease))) {
          if (!signal.aborted) return;
          await this.unlock();
          throw ERRORS.ABORTED;
        }
        await unavailableOnFailure(() => locker.askRelease(id));
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw ERRORS.ERR_LOCK_TIMEOUT;
        await firstOf(watch.worthChecking, Math.min(locker.retryIntervalMs, remaining), signal);
      } finally {
        watch.stop();
      }
    }
  }

  /**
   * Takes the lock if nobody holds it, asking no one to release; false if
   * someone does. `requestRelease` is called if the lock is then lost.
   * Rejects when Redis cannot be reached.
   */
  async tryLock(requestRelease: RequestRelease): Promise<boolean> {
    const { locker, id } = this;
    const lease = await acquireLease(locker.redis, locker.keyOf(id), locker.ttlMs, () => void requestRelease());
    if (!lease) return false;
    this.lease = lease;
    this.requestRelease = requestRelease;
    locker.hold(id, requestRelease);
    return true;
  }

  async unlock(): Promise<void> {
    const { lease, requestRelease } = this;
    if (!lease || !requestRelease) throw new Error('Releasing an unlocked lock!');
    this.lease = null;
    this.requestRelease = null;
    this.locker.letGo(this.id, requestRelease);
    try {
      if (await lease.release()) await this.locker.announceRelease(this.id);
    } catch (error) {
      // The request's work is done and stored: failing its answer would help no one. The lease expires by itself.
      log().error(
        { err: error, id: this.id },
        `redis: releasing the lock of ${this.id} failed (it expires within ${this.locker.ttlMs} ms)`,
      );
    }
  }
}

/** A lock command; Redis unreachable becomes 503 ERR_LOCK_UNAVAILABLE. */
function unavailableOnFailure<T>(run: () => Promise<T>): Promise<T> {
  return refuseWhenUnreachable('lock command', refuse.lockUnavailable, run);
}

/** Resolves when `wake` does, after `ms`, or when `signal` aborts, whichever comes first. */
function firstOf(wake: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    void wake.then(done);
  });
}
