import type { DataStore } from '@tus/server';
import { canList, canKeepState, isComplete, type StateKeeper, type StoredUpload, type UploadLister } from './capabilities';
import type { EventLog } from './event-log';
import type { ExpirationPolicy } from './expiration';
import type { HeldLock } from './lockers/held-locks';

export interface SweepDeps {
  store: DataStore;
  expiration: ExpirationPolicy;
  /** An upload's lock, or null while a request works on the upload (see HeldLockTracker.lockIfIdle). */
  locks: { lockIfIdle(id: string): Promise<HeldLock | null> };
  /** With several instances, whose turn it is to sweep; null when this process is the only one. */
  lease: SweepLease | null;
  events: EventLog;
  /** Counts each upload removed (metrics). */
  expired?: () => void;
}

/** Makes sweeping single-flight across instances (RedisSweepLease). */
export interface SweepLease {
  /** This instance's turn, or null while another instance sweeps. */
  take(): Promise<SweepTurn | null>;
}

export interface SweepTurn {
  /** True once the turn could not be kept: stop, another instance may be sweeping. */
  readonly lost: boolean;
  end(): Promise<void>;
}

/**
 * Removes what expiration gave up on, and never anything else:
 * - an unfinished upload (ordinary or partial) whose last write is older than the expiry period;
 * - a finished partial that no unfinished final needs and no final used within the period;
 * - an unfinished final one of whose parts is gone (it can never complete).
 * A completed ordinary or final upload is the user's file and is never removed,
 * nor is an upload a request is working on.
 * Returns the ids removed, or null when another instance was sweeping (this round is skipped).
 */
export async function sweepExpired(deps: SweepDeps): Promise<string[] | null> {
  const { store, expiration, lease } = deps;
  if (!expiration.enabled || !canList(store) || !canKeepState(store)) return [];
  const turn = lease ? await lease.take() : null;
  if (lease && !turn) return null;
  try {
    return await sweepUploads(deps, store, () => turn?.lost ?? false);
  } finally {
    await turn?.end();
  }
}

async function sweepUploads(
  { expiration, locks, events, expired }: SweepDeps,
  store: DataStore & UploadLister & StateKeeper,
  turnLost: () => boolean,
): Promise<string[]> {
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
    if (turnLost()) break;
    if (!isExpired(candidate, new Date())) continue;
    const lock = await locks.lockIfIdle(candidate.id);
    if (!lock) continue;
    try {
      // Look again under the lock: a PATCH may have landed since the listing.
      const current = await store.describeUpload(candidate.id);
      if (current === null || !isExpired(current, new Date())) continue;
      await store.remove(candidate.id);
      removed.push(candidate.id);
      events.write({ type: 'expired', id: candidate.id });
      expired?.();
    } catch (error) {
      events.logger.error({ err: error, id: candidate.id }, `sweeping ${candidate.id} failed`);
    } finally {
      await lock.unlock();
    }
  }
  return removed;
}

/** Runs sweepExpired every `intervalMs`, never two at once in this process (nor across instances with a lease). Returns a stop function. */
export function startSweeper(deps: SweepDeps, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpired(deps)
      .catch((error: unknown) => deps.events.logger.error({ err: error }, 'sweep failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  // The sweeper alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
