import { ERRORS, type CancellationContext, type Upload } from '@tus/server';
import { canKeepState, canReadRange, isComplete, type UploadState } from '../capabilities';
import type { ExpectedChecksum } from '../checksum';
import { refuse, UploadError } from '../errors';
import type { HandlerDeps } from '../handlers/handler';
import { HeadHandler } from '../handlers/head';
import { uploadLocation } from '../handlers/location';
import { OptionsHandler } from '../handlers/options';
import { PatchHandler, type Append } from '../handlers/patch';
import { parseMetadata, PostHandler, type Creation } from '../handlers/post';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { carriesBytes } from '../preconditions';
import { indicatedLength, refuseDraft, requestCompletes, sayComplete, uploadLimit } from './answers';
import { digestOf, recordedDigest } from './digests';
import { dispositionFilename, integerField, mediaType } from './fields';
import { draftRules, INTEROP_HEADER, PARTIAL_UPLOAD, type DraftRules } from './versions';

/**
 * The draft's four procedures on tus's handlers: the same stores, locks,
 * access checks, hooks, staged digests and lifecycle, with the requests read
 * and the answers written by the rules of the interop version each request
 * names (versions.ts). endpoint.ts (this folder) has judged the request's
 * headers before it gets here.
 */

/** Creation: POST to the endpoint with Upload-Complete (Upload-Incomplete in -01), with or without the first bytes. */
export class DraftCreation extends PostHandler {
  protected override creationOf(req: UploadRequest): Creation {
    const rules = draftRules(req);
    const { extensions, store } = this.deps;
    const declaredLength = indicatedLength(req, rules, 0, requestCompletes(req, rules, 'creation'));
    // Without a length, the request that completes the upload declares it.
    if (declaredLength === undefined && !extensions.creationDeferLength) throw ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION;
    const representation = digestOf(req, 'Repr-Digest');
    if (representation !== null && !canReadRange(store)) throw refuse.representationUnverifiable();
    return {
      concat: null,
      declaredLength,
      metadata: metadataOf(req),
      checksum: this.expectedChecksum(req),
      // The bytes are the representation itself, whatever their type.
      withBody: carriesBytes(req),
      representation: representation === null ? undefined : recordedDigest(representation),
    };
  }

  /** The 104 (Upload Resumption Supported): the client can resume from now on, even if this request never gets its answer. */
  protected override announce(req: UploadRequest, _upload: Upload, location: string): void {
    const rules = draftRules(req);
    const fields: AnswerHeaders = { [INTEROP_HEADER]: String(rules.version), Location: location };
    const limit = uploadLimit(rules, this.deps.maxSize, this.deps.expiration.expiresAt(new Date()));
    if (limit !== null) fields['Upload-Limit'] = limit;
    req.inform?.(104, fields);
  }

  protected override settle(req: UploadRequest, upload: Upload, context: CancellationContext, headers: AnswerHeaders): Promise<void> {
    return completeIfAsked(this.deps, req, 'creation', upload, context, headers);
  }

  protected override describeCreated(req: UploadRequest, upload: Upload, _done: unknown, headers: AnswerHeaders): void {
    describeProgress(this.deps, draftRules(req), upload, new Date(), headers);
  }

  protected override expectedChecksum(req: UploadRequest): ExpectedChecksum | null {
    return contentDigestOf(this.deps, req);
  }

  protected override checksumMismatch(algorithm: string): UploadError {
    return refuse.checksumMismatch(algorithm, 'Content-Digest', 400);
  }
}

/** Append: PATCH to the upload URL at Upload-Offset; the request that says Upload-Complete: ?1 ends the upload. */
export class DraftAppend extends PatchHandler {
  protected override appendOf(req: UploadRequest): Append {
    // preconditions.ts made sure it is there and a number.
    return { offset: integerField(req.header('upload-offset')) ?? 0, checksum: this.expectedChecksum(req) };
  }

  /**
   * A complete upload takes nothing more, but an empty append that
   * completes it again is answered as the first was: it is how a client
   * whose last answer was lost finds out that it arrived.
   */
  protected override admit(req: UploadRequest, upload: Upload, offset: number, headers: AnswerHeaders): void {
    const rules = draftRules(req);
    headers['Upload-Offset'] = String(upload.offset);
    if (isComplete(upload) && !(offset === upload.offset && !carriesBytes(req) && requestCompletes(req, rules, 'append'))) {
      throw refuseDraft.completed(rules);
    }
    if (upload.offset !== offset) throw refuseDraft.offsetMismatch(rules, offset, upload.offset);
  }

  /** The length this append indicates, recorded once; any later indication must agree with it. */
  protected override async declareLength(req: UploadRequest, upload: Upload, maxSize: number): Promise<void> {
    const rules = draftRules(req);
    const length = indicatedLength(req, rules, upload.offset, requestCompletes(req, rules, 'append'));
    if (length === undefined || length === upload.size) return;
    if (upload.size !== undefined || length < upload.offset) {
      const known = upload.size === undefined ? `${upload.offset} bytes are stored` : `its length is ${upload.size}`;
      throw refuseDraft.inconsistentLength(rules, `this request says the upload has ${length} bytes, but ${known}`);
    }
    if (maxSize > 0 && length > maxSize) throw ERRORS.ERR_MAX_SIZE_EXCEEDED;
    await this.deps.store.declareUploadLength(upload.id, length);
    upload.size = length;
  }

  protected override settle(req: UploadRequest, upload: Upload, context: CancellationContext, headers: AnswerHeaders): Promise<void> {
    return completeIfAsked(this.deps, req, 'append', upload, context, headers);
  }

  /** 201 with the upload's URL once it is complete, as its creation would have answered the whole; else the version's status. */
  protected override appended(req: UploadRequest, upload: Upload, headers: AnswerHeaders): Answer {
    const rules = draftRules(req);
    const complete = describeProgress(this.deps, rules, upload, new Date(), headers);
    if (!complete) return this.answer(rules.appendStatus, headers);
    headers.Location = uploadLocation(req, upload.id, this.deps.location);
    return this.answer(201, headers);
  }

  protected override expectedChecksum(req: UploadRequest): ExpectedChecksum | null {
    return contentDigestOf(this.deps, req);
  }

  protected override checksumMismatch(algorithm: string): UploadError {
    return refuse.checksumMismatch(algorithm, 'Content-Digest', 400);
  }
}

/** Offset retrieval: HEAD on the upload URL, answered 204. */
export class DraftOffset extends HeadHandler {
  protected override describe(req: UploadRequest, { upload, lastActivity }: UploadState, headers: AnswerHeaders): Answer {
    const rules = draftRules(req);
    headers['Cache-Control'] = 'no-store';
    if (rules.reportsLength && upload.size !== undefined) headers['Upload-Length'] = String(upload.size);
    describeProgress(this.deps, rules, upload, lastActivity, headers);
    return this.answer(204, headers);
  }
}

/** OPTIONS with an interop version: tus's discovery, and the limits every upload will have. */
export class DraftOptions extends OptionsHandler {
  protected override async handle(
    req: UploadRequest,
    id: string | null,
    context: CancellationContext,
    headers: AnswerHeaders,
  ): Promise<Answer> {
    const rules = draftRules(req);
    const limit = uploadLimit(rules, this.deps.maxSize, null);
    if (limit !== null) headers['Upload-Limit'] = limit;
    // -10 and -11 ask for it; it is true of every version that names the append's type.
    if (rules.appendType !== null) headers['Accept-Patch'] = PARTIAL_UPLOAD;
    return super.handle(req, id, context, headers);
  }
}

/**
 * Ends the upload where a creation or append that says it completes it ended:
 * the length becomes its offset when none was indicated, and must be it when
 * one was. A request cut short (another request wanted the upload) completes
 * nothing.
 */
async function completeIfAsked(
  deps: HandlerDeps,
  req: UploadRequest,
  kind: 'creation' | 'append',
  upload: Upload,
  context: CancellationContext,
  headers: AnswerHeaders,
): Promise<void> {
  const rules = draftRules(req);
  // A refusal below comes after the bytes are stored: its answer must say where the upload now ends.
  headers['Upload-Offset'] = String(upload.offset);
  if (requestCompletes(req, rules, kind) && !context.signal.aborted) {
    if (upload.size === undefined) {
      await deps.store.declareUploadLength(upload.id, upload.offset);
      upload.size = upload.offset;
      // A store may complete its object when a read finds every byte in (S3): while this request holds the lock.
      if (canKeepState(deps.store)) await deps.store.readState(upload.id);
    } else if (upload.size !== upload.offset) {
      throw refuseDraft.inconsistentLength(
        rules,
        `the upload's length is ${upload.size}, but this request completed it at byte ${upload.offset}`,
      );
    }
  }
  sayComplete(headers, rules, isComplete(upload));
}

/**
 * Offset, completeness and limits of an upload in an answer; true when it is
 * complete. The lifetime counts from `lastActivity` (expiry slides with every
 * write) and only while the upload is unfinished: a finished one never expires.
 */
function describeProgress(deps: HandlerDeps, rules: DraftRules, upload: Upload, lastActivity: Date, headers: AnswerHeaders): boolean {
  const complete = isComplete(upload);
  headers['Upload-Offset'] = String(upload.offset);
  sayComplete(headers, rules, complete);
  const limit = uploadLimit(rules, deps.maxSize, complete ? null : deps.expiration.expiresAt(lastActivity));
  if (limit !== null) headers['Upload-Limit'] = limit;
  return complete;
}

/** Content-Digest, verified by the checksum extension's staging; a store that cannot stage refuses rather than ignore it. */
function contentDigestOf(deps: HandlerDeps, req: UploadRequest): ExpectedChecksum | null {
  const digest = digestOf(req, 'Content-Digest');
  if (digest !== null && !deps.extensions.checksum) throw refuse.checksumUnsupportedByStore();
  return digest;
}

/**
 * The upload's metadata: tus's Upload-Metadata when sent (tus-js-client
 * sends it in its draft modes too), and the representation metadata the
 * draft names: the media type (filetype) and the Content-Disposition file
 * name (filename).
 */
function metadataOf(req: UploadRequest): Record<string, string | null> | undefined {
  const metadata = parseMetadata(req.header('upload-metadata')) ?? {};
  const type = mediaType(req.header('content-type'));
  // tus-js-client labels a creation's first bytes as an append's: that names no file type.
  if (type !== null && type !== PARTIAL_UPLOAD && metadata.filetype === undefined) metadata.filetype = type;
  const filename = dispositionFilename(req.header('content-disposition'));
  if (filename !== null && metadata.filename === undefined) metadata.filename = filename;
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}
