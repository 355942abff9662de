import { ERRORS, type CancellationContext } from '@tus/server';

/** How long a request asked to give up its lock may go on storing what it is receiving. */
const LOCK_DRAIN_MS = 3_000;

/**
 * A request's cancellation, as the lockers expect it: `abort` stops it now;
 * `cancel` (another request wants its upload) lets its body drain into the
 * store for LOCK_DRAIN_MS first, so the bytes in flight are kept.
 */
export function newCancellation(): CancellationContext {
  const now = new AbortController();
  let cancelled = false;
  return {
    signal: now.signal,
    abort: () => {
      if (!now.signal.aborted) now.abort(ERRORS.ABORTED);
    },
    cancel: () => {
      if (cancelled) return;
      cancelled = true;
      setTimeout(() => {
        if (!now.signal.aborted) now.abort(ERRORS.ABORTED);
      }, LOCK_DRAIN_MS).unref();
    },
  };
}
