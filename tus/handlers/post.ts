import { randomUUID } from 'node:crypto';
import { ERRORS, Metadata, Upload, type CancellationContext } from '@tus/server';
import { canConcatenate, canCreateWithDetails, isComplete, type UploadState } from '../capabilities';
import type { RequestChecksum } from '../checksum';
import { parseUploadConcat, partIdsOf, type ConcatRequest, type ConcatRole } from '../concatenation';
import { isStorageFull, refuse, UploadError } from '../errors';
import { formatExpiry } from '../expiration';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { carriesBytes, OFFSET_OCTET_STREAM } from '../preconditions';
import { bodyLimit } from './body';
import { TusHandler, type Completion } from './handler';
import { uploadBases, uploadLocation } from './location';

/** What a creation asks for, read from its headers before anything exists. */
export interface Creation {
  concat: ConcatRequest | null;
  /** The upload's length, or undefined while deferred (or taken from the parts of a final). */
  declaredLength: number | undefined;
  metadata: Record<string, string | null> | undefined;
  /** What the request's own bytes must hash to. */
  checksum: RequestChecksum;
  /** Whether the request carries the upload's first bytes. */
  withBody: boolean;
  /** What the whole upload must hash to once complete (`<algorithm> <base64>`). */
  representation?: string;
}

/**
 * POST (creation): creates an upload, optionally with its first bytes
 * (creation-with-upload, checksum verified) or as a partial or final upload
 * of a concatenation.
 *
 * The draft's creation (ietf/) is this same creation: it reads its request
 * and writes its answer by its own rules, through the protected steps below.
 */
export class PostHandler extends TusHandler {
  protected override readonly abortsOnError = true;

  protected async handle(req: UploadRequest, _id: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    const { store, maxSize, hooks, lifecycle } = this.deps;
    const { concat, declaredLength, metadata, checksum, withBody, representation } = this.creationOf(req);

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
    let verdict: Completion | null = null;
    try {
      // An id the hook chose may be taken: refused before the try below, which would remove what is there.
      if (change?.id !== undefined && (await this.exists(upload.id))) throw refuse.uploadIdTaken(upload.id);
      try {
        // With access control on, the upload belongs to whoever created it (endpoint.ts let only a valid credential in).
        const owner = this.deps.access.subjectOf(req) ?? undefined;
        const bytesFollow = withBody && !isFinal;
        if (role) await this.concatenater().createUpload(upload, { concat: role.role, owner, bytesFollow });
        else if (canCreateWithDetails(store)) await store.createUpload(upload, { owner, representation, bytesFollow });
        else await store.create(upload);
        location = uploadLocation(req, upload.id, this.deps.location);
        this.announce?.(req, upload, location);
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
        await this.settle?.(req, upload, context, headers);
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
      if (isComplete(upload)) verdict = await this.preFinish(req, upload, concatRole, representation);
    } finally {
      await lock.unlock();
    }

    let answer = this.answer(201, headers);
    this.describeCreated(req, upload, { receivedBody, isFinal }, headers);
    if (verdict) answer = await this.finish(req, upload, concatRole, verdict, answer);
    if (answer.status === 201 || (answer.status >= 300 && answer.status < 400)) answer.headers.Location = location;
    if (verdict && concatRole?.kind === 'partial') await this.deps.finals?.partialFinished(upload.id, req);
    return answer;
  }

  /** What a tus creation asks for: Upload-Length or Upload-Defer-Length, Upload-Metadata, Upload-Concat, Upload-Checksum. */
  protected creationOf(req: UploadRequest): Creation {
    const concat = parseUploadConcat(req.header('upload-concat'));
    if (concat && !this.deps.extensions.concatenation) throw refuse.concatUnsupported();
    const declaredLength = this.declaredLength(req, concat);
    const metadata = parseMetadata(req.header('upload-metadata'));
    const checksum = this.expectedChecksum(req);
    const withBody = req.header('content-type') === OFFSET_OCTET_STREAM;
    if (concat?.kind === 'final' && withBody && carriesBytes(req)) throw refuse.bodyOnCreationUnsupported();
    return { concat, declaredLength, metadata, checksum, withBody };
  }

  /** Once the upload exists, before any of its bytes is read: what another protocol tells its client then (tus says nothing). */
  protected announce?(req: UploadRequest, upload: Upload, location: string): void;

  /** After the creation's bytes are stored, under the lock: another protocol's say in whether the upload is complete (in tus, its length alone). */
  protected settle?(req: UploadRequest, upload: Upload, context: CancellationContext, headers: AnswerHeaders): Promise<void>;

  /** The headers of the 201 (before pre-finish's answer, which may add its own). */
  protected describeCreated(
    _req: UploadRequest,
    upload: Upload,
    { receivedBody, isFinal }: { receivedBody: boolean; isFinal: boolean },
    headers: AnswerHeaders,
  ): void {
    if (receivedBody) headers['Upload-Offset'] = String(upload.offset);
    if (!isComplete(upload) && !isFinal) {
      const expires = this.deps.expiration.expiresAt(new Date());
      if (expires) headers['Upload-Expires'] = formatExpiry(expires);
    }
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
export function parseMetadata(header: string | null): Record<string, string | null> | undefined {
  if (header === null || header.trim() === '') return undefined;
  try {
    return Metadata.parse(header);
  } catch {
    throw ERRORS.INVALID_METADATA;
  }
}
