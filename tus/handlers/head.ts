import { Metadata, type CancellationContext } from '@tus/server';
import { isComplete, type UploadState } from '../capabilities';
import { refuse, unavailableAsLocked } from '../errors';
import { formatExpiry } from '../expiration';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { TusHandler } from './handler';

/**
 * HEAD: where an upload stands, so a client knows where to resume. The
 * draft's offset retrieval (ietf/) is the same look, described by its rules.
 */
export class HeadHandler extends TusHandler {
  protected async handle(req: UploadRequest, id: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    try {
      return this.describe(req, await this.current(req, this.uploadId(id), context), headers);
    } catch (error) {
      throw unavailableAsLocked(error);
    }
  }

  /** The upload as it stands, once no request writes it; an expired one is refused. */
  private async current(req: UploadRequest, id: string, context: CancellationContext): Promise<UploadState> {
    await this.authorize(req, id);
    let state = await this.locked(req, id, context);
    const { concat } = state;
    if (concat?.kind === 'final' && !isComplete(state.upload) && this.deps.finals) {
      // Normally assembled when its last part finished; this catches a final
      // whose assembly a crash interrupted.
      await this.deps.finals.assembleIfReady(id, req);
      state = await this.locked(req, id, context);
    }
    const isFinal = state.concat?.kind === 'final';
    if (!isComplete(state.upload) && !isFinal && this.deps.expiration.hasExpired(state.lastActivity)) throw refuse.expired();
    return state;
  }

  /** tus's answer: offset, length, metadata, concatenation and expiry. */
  protected describe(_req: UploadRequest, { upload, concat, lastActivity }: UploadState, headers: AnswerHeaders): Answer {
    const complete = isComplete(upload);
    const isFinal = concat?.kind === 'final';
    // Proxies and browsers must never answer a resume from a cached offset.
    headers['Cache-Control'] = 'no-store';
    // A final has no offset of its own until it is assembled.
    if (!isFinal || complete) headers['Upload-Offset'] = String(upload.offset);
    if (upload.size !== undefined) headers['Upload-Length'] = String(upload.size);
    else if (!isFinal) headers['Upload-Defer-Length'] = '1';
    if (upload.metadata !== undefined) headers['Upload-Metadata'] = Metadata.stringify(upload.metadata);
    if (concat) headers['Upload-Concat'] = concat.kind === 'partial' ? 'partial' : concat.header;
    const expires = !complete && !isFinal ? this.deps.expiration.expiresAt(lastActivity) : null;
    if (expires) headers['Upload-Expires'] = formatExpiry(expires);
    return this.answer(200, headers);
  }

  private async locked(req: UploadRequest, id: string, context: CancellationContext): Promise<UploadState> {
    const lock = await this.lock(id, context);
    try {
      return await this.stateOf(req, id);
    } finally {
      await lock.unlock();
    }
  }
}
