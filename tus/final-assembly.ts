import { type DataStore, type Lock, type Locker, type Upload } from '@tus/server';
import { isComplete, type Concatenater, type StateKeeper } from './capabilities';
import type { ConcatRole } from './concatenation';
import type { UploadRequest } from './http/request';

type ConcatStore = DataStore & Concatenater & StateKeeper;

/**
 * Completes final uploads (concatenation-unfinished): a final created while
 * its partials were still uploading is assembled as soon as the last of them
 * is complete, under the final's lock so two partials finishing together
 * assemble it once.
 */
export class FinalAssembler {
  constructor(
    private readonly store: ConcatStore,
    private readonly locker: Locker,
    /** `req`: the request that completed the last part. */
    private readonly onFinished: (upload: Upload, concat: ConcatRole, req: UploadRequest) => Promise<void>,
  ) {}

  /** After a partial upload received its last byte (by `req`): assembles every final that was waiting for it. */
  async partialFinished(partId: string, req: UploadRequest): Promise<void> {
    for (const final of await this.store.pendingFinals()) {
      if (final.parts.includes(partId)) await this.assembleIfReady(final.id, req);
    }
  }

  /** Assembles a final whose parts are all complete; does nothing otherwise or when it is done already. */
  async assembleIfReady(finalId: string, req: UploadRequest): Promise<void> {
    const lock = await this.lockFor(finalId);
    let finished: { upload: Upload; concat: ConcatRole } | null = null;
    try {
      const { upload, concat } = await this.store.readState(finalId);
      if (concat?.kind !== 'final' || isComplete(upload)) return;
      const parts = await Promise.all(concat.parts.map((id) => this.store.readState(id).catch(() => null)));
      if (!parts.every((part) => part !== null && isComplete(part.upload))) return;
      await this.store.assembleFinal(finalId, concat.parts);
      finished = { upload: (await this.store.readState(finalId)).upload, concat };
    } finally {
      await lock.unlock();
    }
    if (finished) await this.onFinished(finished.upload, finished.concat, req);
  }

  /** Assembly is short and must not be cut: a waiter simply waits for it. */
  private async lockFor(id: string): Promise<Lock> {
    const lock = this.locker.newLock(id);
    await lock.lock(new AbortController().signal, () => undefined);
    return lock;
  }
}
