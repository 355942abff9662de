import { Metadata, type CancellationContext } from '@tus/server';
import { isComplete, type UploadState } from '../capabilities';
import { refuse, unavailableAsLocked } from '../errors';
import { formatExpiry } from '../expiration';
import { TusHandler } from './handler';

/** HEAD: where an upload stands, so a client knows where to resume. */
export class HeadHandler extends TusHandler {
  protected async handle(req: Request, context: CancellationContext, headers: Headers): Promise<Response> {
    try {
      return await this.describe(req, context, headers);
    } catch (error) {
      throw unavailableAsLocked(error);
    }
  }

  private async describe(req: Request, context: CancellationContext, headers: Headers): Promise<Response> {
    const id = this.uploadId(req);
    await this.incoming(req, id);
    await this.authorize(req, id);
    let state = await this.locked(req, id, context);
    const { concat } = state;
    if (concat?.kind === 'final' && !isComplete(state.upload) && this.deps.finals) {
      // Normally assembled when its last part finished; this catches a final
      // whose assembly a crash interrupted.
      await this.deps.finals.assembleIfReady(id);
      state = await this.locked(req, id, context);
    }
    const { upload, lastActivity } = state;
    const complete = isComplete(upload);
    const isFinal = concat?.kind === 'final';
    if (!complete && !isFinal && this.deps.expiration.hasExpired(lastActivity)) throw refuse.expired();

    // Proxies and browsers must never answer a resume from a cached offset.
    headers.set('Cache-Control', 'no-store');
    // A final has no offset of its own until it is assembled.
    if (!isFinal || complete) headers.set('Upload-Offset', String(upload.offset));
    if (upload.size !== undefined) headers.set('Upload-Length', String(upload.size));
    else if (!isFinal) headers.set('Upload-Defer-Length', '1');
    if (upload.metadata !== undefined) headers.set('Upload-Metadata', Metadata.stringify(upload.metadata));
    if (concat) headers.set('Upload-Concat', concat.kind === 'partial' ? 'partial' : concat.header);
    const expires = !complete && !isFinal ? this.deps.expiration.expiresAt(lastActivity) : null;
    if (expires) headers.set('Upload-Expires', formatExpiry(expires));
    return new Response(null, { status: 200, headers });
  }

  private async locked(req: Request, id: string, context: CancellationContext): Promise<UploadState> {
    const lock = await this.lock(req, id, context);
    try {
      return await this.stateOf(req, id);
    } finally {
      await lock.unlock();
    }
  }
}
