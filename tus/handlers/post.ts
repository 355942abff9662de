import { randomUUID } from 'node:crypto';
import { ERRORS, Metadata, Upload, type CancellationContext } from '@tus/server';
import { canConcatenate, canCreateWithDetails, isComplete, type UploadState } from '../capabilities';
import { parseUploadConcat, partIdsOf, type ConcatRequest, type ConcatRole } from '../concatenation';
import { isStorageFull, refuse, UploadError } from '../errors';
import { formatExpiry } from '../expiration';
import type { FinishVerdict } from '../hooks/runner';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { carriesBytes, OFFSET_OCTET_STREAM } from '../preconditions';
import { bodyLimit } from './body';
import { TusHandler } from './handler';
import { uploadBases, uploadLocation } from './location';

/**
 * POST (creation): creates an upload, optionally with its first bytes
 * (creation-with-upload, checksum verified) or as a partial or final upload
 * of a concatenation.
 */
export class PostHandler extends TusHandler {
  protected override readonly abortsOnError = true;

  protected async handle(req: UploadRequest, _id: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    const { store, extensions, expiration, maxSize, hooks, lifecycle } = this.deps;
    const concat = parseUploadConcat(req.header('upload-concat'));
    if (concat && !extensions.concatenation) throw refuse.concatUnsupported();
    const declaredLength = this.declaredLength(req, concat);
    const metadata = parseMetadata(req.header('upload-metadata'));
    const checksum = this.expectedChecksum(req);
    const withBody = req.header('content-type') === OFFSET_OCTET_STREAM;
    if (concat?.kind === 'final' && withBody && carriesBytes(req)) throw refuse.bodyOnCreationUnsupported();

    // 32 hex digits, 122 of their bits random; randomUUID draws from a cached pool, randomBytes asks the system each time.
    const id = randomUUID().replaceAll('-', '');
    if (declaredLength !== undefined && maxSize > 0 && declaredLength > maxSize) throw ERRORS.ERR_MAX_SIZE_EXCEEDED;
    const role = concat ? await this.roleFor(req, concat, maxSize) : null;

    const isFinal = role?.role.kind === 'final';
    const concatRole = role?.role ?? null;
    const upload = new Upload({ id, size: isFinal ? role?.size : declaredLength, offset: 0, metadata });
    const change = (await hooks.preCreate(req, upload, concatRole))?.changeFileInfo;
    if (change?.id !== undefined) upload.id = change.id;
    if (change?.metadata) upload.metadata = change.metadata;
    // Refuse a body that cannot fit before anything exists, rather than leave an orphan behind a 413.
    const limit = withBody && !isFinal ? bodyLimit(req, upload, maxSize) : 0;

    const lock = await this.lock(upload.id, context);
    let location: string;
    let receivedBody = false;
    let verdict: FinishVerdict | null = null;
    try {
      // An id the hook chose may be taken: refused before the try below, which would remove what is there.
      if (change?.id !== undefined && (await this.exists(upload.id))) throw refuse.uploadIdTaken(upload.id);
      try {
        // With access control on, the upload belongs to whoever created it (endpoint.ts let only a valid credential in).
        const owner = this.deps.access.subjectOf(req) ?? undefined;
        const bytesFollow = withBody && !isFinal;
        if (role) await this.concatenater().createUpload(upload, { concat: role.role, owner, bytesFollow });
        else if (canCreateWithDetails(store)) await store.createUpload(upload, { owner, bytesFollow });
        else await store.create(upload);
        location = uploadLocation(req, upload.id, this.deps.location);
        await lifecycle.created(upload, concatRole, req);
        if (role?.role.kind === 'final') {
          // Parts already complete: assembled now, so the 201 means the file is there.
          if (role.partsComplete) {
            await this.concatenater().assembleFinal(upload.id, role.role.parts);
            upload.offset = upload.size ?? 0;
          }
        } else if (withBody) {
          upload.offset = await this.receive(req, upload, concatRole, limit, context, checksum);
          receivedBody = true;
        }
      } catch (error) {
        // Refused (460, 413, 507 disk full): the client gets no Location and could never resume this upload.
        // Cut short, it keeps the bytes it received; expiration collects it if nobody comes back.
        if (
          error instanceof UploadError ||
          isStorageFull(error) ||
          error === ERRORS.ERR_SIZE_EXCEEDED ||
          error === ERRORS.ERR_MAX_SIZE_EXCEEDED
        ) {
          await store.remove(upload.id).catch(() => undefined);
        }
        throw error;
      }
      if (isComplete(upload)) verdict = await this.preFinish(req, upload, concatRole);
    } finally {
      await lock.unlock();
    }

    let answer = this.answer(201, headers);
    if (receivedBody) headers['Upload-Offset'] = String(upload.offset);
    if (verdict) answer = await this.finish(req, upload, concatRole, verdict, answer);
    else if (!isFinal) {
      const expires = expiration.expiresAt(new Date());
      if (expires) headers['Upload-Expires'] = formatExpiry(expires);
    }
    if (answer.status === 201 || (answer.status >= 300 && answer.status < 400)) answer.headers.Location = location;
    if (verdict && concatRole?.kind === 'partial') await this.deps.finals?.partialFinished(upload.id, req);
    return answer;
  }

  /** Whether an upload with this id exists. */
  private async exists(id: string): Promise<boolean> {
    try {
      await this.deps.store.getUpload(id);
      return true;
    } catch (error) {
      if (error === ERRORS.FILE_NOT_FOUND || error === ERRORS.FILE_NO_LONGER_EXISTS) return false;
      throw error;
    }
  }

  /** Upload-Length, or undefined when deferred or taken from the parts of a final. */
  private declaredLength(req: UploadRequest, concat: ConcatRequest | null): number | undefined {
    const length = req.header('upload-length');
    const deferred = req.header('upload-defer-length');
    if (concat?.kind === 'final') {
      if (length !== null) throw refuse.finalWithLength();
      if (deferred !== null) throw refuse.badConcat('final uploads take their length from their parts: do not send Upload-Defer-Length');
      return undefined;
    }
    if (deferred !== null && !this.deps.extensions.creationDeferLength) throw ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION;
    if ((length === null) === (deferred === null)) throw ERRORS.INVALID_LENGTH;
    return length === null ? undefined : Number.parseInt(length, 10);
  }

  /** What the new upload is in a concatenation; for a final, its parts are checked and its length summed. */
  private async roleFor(req: UploadRequest, concat: ConcatRequest, maxSize: number): Promise<Role> {
    if (concat.kind === 'partial') return { role: { kind: 'partial' }, size: undefined, partsComplete: false };
    const parts = partIdsOf(concat.urls, new URL(req.path, req.origin).href, uploadBases(req, this.deps.location));
    const states = await Promise.all(parts.map((id) => this.partState(req, id)));
    let size: number | undefined = 0;
    for (const [index, state] of states.entries()) {
      if (state.concat?.kind !== 'partial') throw refuse.notPartial(parts[index]);
      size = size === undefined || state.upload.size === undefined ? undefined : size + state.upload.size;
    }
    if (size !== undefined && maxSize > 0 && size > maxSize) throw refuse.finalTooLarge(maxSize);
    return {
      role: { kind: 'final', header: concat.header, parts },
      size,
      partsComplete: states.every((state) => isComplete(state.upload)),
    };
  }

  /** A part of a final: another subject's partial is as unknown as one that does not exist. */
  private async partState(req: UploadRequest, id: string): Promise<UploadState> {
    try {
      return await this.stateOf(req, id);
    } catch (error) {
      if (error === ERRORS.FILE_NOT_FOUND || error === ERRORS.FILE_NO_LONGER_EXISTS) throw refuse.partialNotFound(id);
      throw error;
    }
  }

  private concatenater() {
    const { store } = this.deps;
    if (!canConcatenate(store)) throw refuse.concatUnsupported();
    return store;
  }
}

/** What a new upload is in a concatenation; a final knows its length and whether its parts are all in. */
interface Role {
  role: ConcatRole;
  size: number | undefined;
  partsComplete: boolean;
}

/**
 * Upload-Metadata, or undefined without any. An empty value means none:
 * tuspy always sends the header, empty when the upload has no metadata (tusd
 * reads it so too; @tus/server refuses it, so tuspy could never create).
 */
function parseMetadata(header: string | null): Record<string, string | null> | undefined {
  if (header === null || header.trim() === '') return undefined;
  try {
    return Metadata.parse(header);
  } catch {
    throw ERRORS.INVALID_METADATA;
  }
}
