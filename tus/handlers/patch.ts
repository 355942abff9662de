import { ERRORS, type CancellationContext, type Upload } from '@tus/server';
import { canKeepState, isComplete } from '../capabilities';
import type { RequestChecksum } from '../checksum';
import { refuse } from '../errors';
import { formatExpiry } from '../expiration';
import type { ConcatRole } from '../concatenation';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { bodyLimit } from './body';
import { TusHandler, type Completion } from './handler';

/** What an append asks for, read from its headers before the upload is touched. */
export interface Append {
  offset: number;
  checksum: RequestChecksum;
}

/**
 * PATCH: appends the request's bytes at Upload-Offset. With Upload-Checksum
 * the bytes are staged and verified first, so a corrupted chunk changes
 * neither the upload's bytes nor its offset.
 *
 * The draft's append (ietf/) is this same append: it reads its request and
 * writes its answer by its own rules, through the protected steps below.
 */
export class PatchHandler extends TusHandler {
  protected override readonly abortsOnError = true;

  protected async handle(req: UploadRequest, urlId: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    const id = this.uploadId(urlId);
    const append = this.appendOf(req);
    const { maxSize, store } = this.deps;
    await this.authorize(req, id);

    const lock = await this.lock(id, context);
    let upload: Upload;
    let concat: ConcatRole | null;
    let verdict: Completion | null = null;
    try {
      const state = await this.stateOf(req, id);
      ({ upload, concat } = state);
      if (concat?.kind === 'final') throw refuse.modifyFinal();
      if (!isComplete(upload) && this.deps.expiration.hasExpired(state.lastActivity)) throw refuse.expired();
      if (this.admit) this.admit(req, upload, append.offset, headers);
      else if (upload.offset !== append.offset) throw refuse.offsetMismatch(append.offset, upload.offset);
      const wasComplete = isComplete(upload);
      await this.declareLength(req, upload, maxSize);
      const limit = bodyLimit(req, upload, maxSize);
      const newOffset = await this.receive(req, upload, concat, limit, context, append.checksum);
      // Every accepted PATCH restarts the expiry clock, also one that carried no byte.
      if (newOffset === append.offset && canKeepState(store)) await store.touch(id);
      upload.offset = newOffset;
      await this.settle?.(req, upload, context, headers);
      // Only the PATCH that completed the upload finishes it: a retried empty one finds it finished.
      if (isComplete(upload) && !wasComplete) verdict = await this.preFinish(req, upload, concat, state.representation);
    } finally {
      await lock.unlock();
    }

    const answer = this.appended(req, upload, headers);
    if (verdict) {
      const finished = await this.finish(req, upload, concat, verdict, answer);
      // A final waiting for this part is complete before this PATCH is answered.
      if (concat?.kind === 'partial') await this.deps.finals?.partialFinished(id, req);
      return finished;
    }
    return answer;
  }

  /** Upload-Offset (checked by preconditions.ts) and Upload-Checksum. */
  protected appendOf(req: UploadRequest): Append {
    return { offset: Number(req.header('upload-offset')), checksum: this.expectedChecksum(req) };
  }

  /** Another protocol's judgement, under the lock, of whether the upload takes this append, in place of tus's offset check. */
  protected admit?(req: UploadRequest, upload: Upload, offset: number, headers: AnswerHeaders): void;

  /** Upload-Length on a PATCH declares a deferred length, once. */
  protected async declareLength(req: UploadRequest, upload: Upload, maxSize: number): Promise<void> {
    const header = req.header('upload-length');
    if (header === null) return;
    const size = Number.parseInt(header, 10);
    if (!this.deps.extensions.creationDeferLength) throw ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION;
    if (upload.size !== undefined || size < upload.offset) throw ERRORS.INVALID_LENGTH;
    if (maxSize > 0 && size > maxSize) throw ERRORS.ERR_MAX_SIZE_EXCEEDED;
    await this.deps.store.declareUploadLength(upload.id, size);
    upload.size = size;
  }

  /** After the bytes are stored, under the lock: another protocol's say in whether the upload is complete (in tus, its length alone). */
  protected settle?(req: UploadRequest, upload: Upload, context: CancellationContext, headers: AnswerHeaders): Promise<void>;

  /** The answer to an append that stored what it received. */
  protected appended(_req: UploadRequest, upload: Upload, headers: AnswerHeaders): Answer {
    headers['Upload-Offset'] = String(upload.offset);
    if (!isComplete(upload)) {
      const expires = this.deps.expiration.expiresAt(new Date());
      if (expires) headers['Upload-Expires'] = formatExpiry(expires);
    }
    return this.answer(204, headers);
  }
}
