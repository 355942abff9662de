import { ERRORS, type CancellationContext, type Upload } from '@tus/server';
import { canKeepState, isComplete } from '../capabilities';
import { refuse } from '../errors';
import { formatExpiry } from '../expiration';
import type { ConcatRole } from '../concatenation';
import type { FinishVerdict } from '../hooks/runner';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { bodyLimit } from './body';
import { TusHandler } from './handler';

/**
 * PATCH: appends the request's bytes at Upload-Offset. With Upload-Checksum
 * the bytes are staged and verified first, so a corrupted chunk changes
 * neither the upload's bytes nor its offset.
 */
export class PatchHandler extends TusHandler {
  protected override readonly abortsOnError = true;

  protected async handle(req: UploadRequest, urlId: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    const id = this.uploadId(urlId);
    // Headers were checked by preconditions.ts before the request got here.
    const offset = Number(req.header('upload-offset'));
    const checksum = this.expectedChecksum(req);
    const { maxSize } = this.deps;
    await this.authorize(req, id);

    const lock = await this.lock(id, context);
    let upload: Upload;
    let concat: ConcatRole | null;
    let verdict: FinishVerdict | null = null;
    try {
      const state = await this.stateOf(req, id);
      ({ upload, concat } = state);
      if (concat?.kind === 'final') throw refuse.modifyFinal();
      if (!isComplete(upload) && this.deps.expiration.hasExpired(state.lastActivity)) throw refuse.expired();
      if (upload.offset !== offset) throw refuse.offsetMismatch(offset, upload.offset);
      const wasComplete = isComplete(upload);
      await this.declareLength(req, upload, maxSize);
      const limit = bodyLimit(req, upload, maxSize);
      const newOffset = await this.receive(req, upload, concat, limit, context, checksum);
      // Every accepted PATCH restarts the expiry clock, also one that carried no byte.
      if (newOffset === offset && canKeepState(this.deps.store)) await this.deps.store.touch(id);
      upload.offset = newOffset;
      // Only the PATCH that completed the upload finishes it: a retried empty one finds it finished.
      if (isComplete(upload) && !wasComplete) verdict = await this.preFinish(req, upload, concat);
    } finally {
      await lock.unlock();
    }

    headers['Upload-Offset'] = String(upload.offset);
    const answer = this.answer(204, headers);
    if (verdict) {
      const finished = await this.finish(req, upload, concat, verdict, answer);
      // A final waiting for this part is complete before this PATCH is answered.
      if (concat?.kind === 'partial') await this.deps.finals?.partialFinished(id, req);
      return finished;
    }
    if (!isComplete(upload)) {
      const expires = this.deps.expiration.expiresAt(new Date());
      if (expires) headers['Upload-Expires'] = formatExpiry(expires);
    }
    return answer;
  }

  /** Upload-Length on a PATCH declares a deferred length, once. */
  private async declareLength(req: UploadRequest, upload: Upload, maxSize: number): Promise<void> {
    const header = req.header('upload-length');
    if (header === null) return;
    const size = Number.parseInt(header, 10);
    if (!this.deps.extensions.creationDeferLength) throw ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION;
    if (upload.size !== undefined || size < upload.offset) throw ERRORS.INVALID_LENGTH;
    if (maxSize > 0 && size > maxSize) throw ERRORS.ERR_MAX_SIZE_EXCEEDED;
    await this.deps.store.declareUploadLength(upload.id, size);
    upload.size = size;
  }
}
