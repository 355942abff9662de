import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';

/** A request waiting this long for a lock gives up with ERR_LOCK_TIMEOUT, as with @tus/server's MemoryLocker. */
const ACQUIRE_TIMEOUT_MS = 30_000;

interface Holder {
  requestRelease: RequestRelease | undefined;
  /** Woken when the holder lets go (or when their own wait ends). */
  waiters: Set<() => void>;
}

/**
 * The upload locks of one process. Unlike @tus/server's MemoryLocker, a lock
 * nobody holds costs a map entry and nothing else (it built an AbortController,
 * an AbortError with its stack trace, and a 30 s timer for every request), and
 * a waiter sleeps until the holder lets go instead of polling every tick.
 * A waiter asks the holder to release, as tus wants: the newest request for
 * an upload wins, and the one it interrupts keeps what it stored.
 */
export class MemoryLocker implements Locker {
  readonly holders = new Map<string, Holder>();

  constructor(readonly acquireTimeoutMs = ACQUIRE_TIMEOUT_MS) {}

  newLock(id: string): Lock {
    return new MemoryLock(id, this);
  }
}

class MemoryLock implements Lock {
  private holder: Holder | null = null;

  constructor(
    private readonly id: string,
    private readonly locker: MemoryLocker,
  ) {}

  async lock(stop: AbortSignal, requestRelease?: RequestRelease): Promise<void> {
    const { holders, acquireTimeoutMs } = this.locker;
    const deadline = Date.now() + acquireTimeoutMs;
    for (;;) {
      if (stop.aborted) throw ERRORS.ABORTED;
      const current = holders.get(this.id);
      if (!current) {
        this.holder = { requestRelease, waiters: new Set() };
        holders.set(this.id, this.holder);
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw ERRORS.ERR_LOCK_TIMEOUT;
      void current.requestRelease?.();
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          stop.removeEventListener('abort', wake);
          current.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        stop.addEventListener('abort', wake, { once: true });
        current.waiters.add(wake);
      });
    }
  }

  async unlock(): Promise<void> {
    const { holder } = this;
    if (!holder || this.locker.holders.get(this.id) !== holder) throw new Error('Releasing an unlocked lock!');
    this.holder = null;
    this.locker.holders.delete(this.id);
    for (const wake of [...holder.waiters]) wake();
  }
}
