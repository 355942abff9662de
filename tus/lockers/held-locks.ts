import type { Lock, Locker, RequestRelease } from '@tus/server';

/** A lock already held, as the sweeper gets it: all it can do is let go. */
export interface HeldLock {
  unlock(): Promise<void>;
}

/**
 * A locker that can take a lock only when nobody holds it, in any process,
 * without asking the holder to release (RedisLocker). A per-process locker
 * cannot see other processes' locks, so it has no such method.
 */
export interface IdleLocker extends Locker {
  lockIfIdle(id: string): Promise<HeldLock | null>;
}

function canLockIfIdle(locker: Locker): locker is IdleLocker {
  return typeof (locker as Partial<IdleLocker>).lockIfIdle === 'function';
}

/**
 * Wraps a locker to know which uploads a request of this process holds or is
 * waiting for. The sweeper asks before it takes a lock: as a waiter it would
 * otherwise ask the holder to release, and a PATCH being written would be cut
 * short. An id counts as busy from the moment its lock is asked for, so there
 * is no gap between a request's arrival at the lock and the sweeper's look.
 */
export class HeldLockTracker implements Locker {
  private readonly busy = new Map<string, number>();

  constructor(private readonly inner: Locker) {}

  newLock(id: string): Lock {
    const lock = this.inner.newLock(id);
    let counted = false;
    const release = () => {
      if (!counted) return;
      counted = false;
      this.count(id, -1);
    };
    return {
      lock: async (signal: AbortSignal, requestRelease: RequestRelease) => {
        counted = true;
        this.count(id, 1);
        try {
          await lock.lock(signal, requestRelease);
        } catch (error) {
          release();
          throw error;
        }
      },
      unlock: async () => {
        release();
        await lock.unlock();
      },
    };
  }

  isBusy(id: string): boolean {
    return this.busy.has(id);
  }

  /**
   * The lock of `id` for the sweeper, or null while a request works on the
   * upload: in this process (holding or waiting), or, when the locker is
   * shared (Redis), in any instance. Never asks a holder to let go.
   */
  async lockIfIdle(id: string): Promise<HeldLock | null> {
    if (this.isBusy(id)) return null;
    if (!canLockIfIdle(this.inner)) {
      // Checked and taken in the same turn of the event loop: no request of this process can slip in between.
      const lock = this.newLock(id);
      await lock.lock(new AbortController().signal, () => undefined);
      return lock;
    }
    this.count(id, 1);
    const lock = await this.inner.lockIfIdle(id).catch((error: unknown) => {
      this.count(id, -1);
      throw error;
    });
    if (!lock) {
      this.count(id, -1);
      return null;
    }
    return {
      unlock: async () => {
        this.count(id, -1);
        await lock.unlock();
      },
    };
  }

  private count(id: string, delta: 1 | -1): void {
    const count = (this.busy.get(id) ?? 0) + delta;
    if (count <= 0) this.busy.delete(id);
    else this.busy.set(id, count);
  }
}
