import type { CancellationContext, Upload } from '@tus/server';
import { canConcatenate, isComplete } from '../capabilities';
import type { ConcatRole } from '../concatenation';
import { refuse } from '../errors';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { TusHandler } from './handler';

/** DELETE (termination): removes an upload, within the server's policy. */
export class DeleteHandler extends TusHandler {
  protected async handle(req: UploadRequest, urlId: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    const { store, extensions, deleteFinished } = this.deps;
    // A store that cannot delete must not answer 204 as if it had.
    if (!extensions.termination) throw refuse.terminationUnsupported();
    const id = this.uploadId(urlId);
    await this.authorize(req, id);
    const lock = await this.lock(id, context);
    let upload: Upload;
    let concat: ConcatRole | null;
    try {
      ({ upload, concat } = await this.stateOf(req, id));
      // Partials are pieces, not the user's file: the policy protects finished files.
      if (!deleteFinished && isComplete(upload) && concat?.kind !== 'partial') throw refuse.terminationForbidden();
      if (concat?.kind === 'partial' && canConcatenate(store)) {
        const waiting = (await store.pendingFinals()).filter((final) => final.parts.includes(id)).map((final) => final.id);
        if (waiting.length > 0) throw refuse.partialInUse(waiting);
      }
      await this.deps.hooks.preTerminate(req, upload, concat);
      await store.remove(id);
    } finally {
      await lock.unlock();
    }
    await this.deps.lifecycle.terminated(upload, concat, req);
    return this.answer(204, headers);
  }
}
