import type { DataStore, Locker } from '@tus/server';
import { canList, canKeepState, isComplete, type StoredUpload } from './capabilities';
import type { EventLog } from './event-log';
import type { ExpirationPolicy } from './expiration';

export interface SweepDeps {
  store: DataStore;
  expiration: ExpirationPolicy;
  locker: Locker;
  /** Whether a request of this process is working on the upload right now. */
  isBusy: (id: string) => boolean;
  events: EventLog;
}

/**
 * Removes what expiration gave up on, and never anything else:
 * - an unfinished upload (ordinary or partial) whose last write is older than the expiry period;
 * - a finished partial that no unfinished final needs and no final used within the period;
 * - an unfinished final one of whose parts is gone (it can never complete).
 * A completed ordinary or final upload is the user's file and is never removed,
 * nor is an upload a request of this process is working on.
 * Returns the ids removed.
 */
export async function sweepExpired({ store, expiration, locker, isBusy, events }: SweepDeps): Promise<string[]> {
  if (!expiration.enabled || !canList(store) || !canKeepState(store)) return [];
  const uploads = await store.listUploads();
  const present = new Set(uploads.map((upload) => upload.id));
  const pendingFinals = uploads.filter((upload) => upload.concat?.kind === 'final' && !isComplete(upload));
  const needed = new Set(pendingFinals.flatMap((final) => (final.concat?.kind === 'final' ? final.concat.parts : [])));
  const removed: string[] = [];

  const isExpired = (upload: StoredUpload, now: Date): boolean => {
    if (upload.concat?.kind === 'final') {
      return !isComplete(upload) && upload.concat.parts.some((part) => !present.has(part) || removed.includes(part));
    }
    if (!expiration.hasExpired(upload.lastActivity, now)) return false;
    if (!isComplete(upload)) return true;
    return upload.concat?.kind === 'partial' && !needed.has(upload.id);
  };

  // Parts first, so finals left without a part go in the same sweep.
  const ordered = [...uploads].sort((a, b) => Number(a.concat?.kind === 'final') - Number(b.concat?.kind === 'final'));
  for (const candidate of ordered) {
    if (!isExpired(candidate, new Date()) || isBusy(candidate.id)) continue;
    // Checked and taken in the same turn of the event loop: no request can slip in between.
    const lock = locker.newLock(candidate.id);
    await lock.lock(new AbortController().signal, () => undefined);
    try {
      // Look again under the lock: a PATCH may have landed since the listing.
      const current = await store.describeUpload(candidate.id);
      if (current === null || !isExpired(current, new Date())) continue;
      await store.remove(candidate.id);
      removed.push(candidate.id);
      events.write({ type: 'expired', id: candidate.id });
    } catch (error) {
      console.error(`[upload] sweeping ${candidate.id} failed:`, error);
    } finally {
      await lock.unlock();
    }
  }
  return removed;
}

/** Runs sweepExpired every `intervalMs` in this process, never two at once. Returns a stop function. */
export function startSweeper(deps: SweepDeps, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpired(deps)
      .catch((error: unknown) => console.error('[upload] sweep failed:', error))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  // The sweeper alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
