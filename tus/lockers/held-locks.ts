import type { Lock, Locker, RequestRelease } from '@tus/server';

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
      const count = (this.busy.get(id) ?? 1) - 1;
      if (count === 0) this.busy.delete(id);
      else this.busy.set(id, count);
    };
    return {
      lock: async (signal: AbortSignal, requestRelease: RequestRelease) => {
        counted = true;
        this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
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
}
