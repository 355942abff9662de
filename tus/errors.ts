import { ERRORS, TUS_RESUMABLE } from '@tus/server';
import type { Answer, AnswerHeaders } from './http/answer';

/**
 * A refusal the upload endpoint answers with: an HTTP status, a stable code a
 * client can branch on, a message for the human reading it, and any headers
 * the protocol requires on that status (Tus-Version on 412, Upload-Offset on
 * 409). The body is `CODE: message`, as tusd writes it.
 *
 * `status_code` and `body` are the shape @tus/server's own error handling
 * reads, so an UploadError thrown anywhere below the server is answered right.
 */
export class UploadError extends Error {
  readonly status_code: number;
  readonly body: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Whether the request body was read to its end, so the connection can serve another request. */
    readonly bodyRead = false,
    /** The body in place of `CODE: message` (a hook's own answer). */
    body?: string,
  ) {
    super(message);
    this.name = 'UploadError';
    this.status_code = status;
    this.body = body ?? `${code}: ${message}\n`;
  }

  /** The same refusal for a request whose body was read to its end: its connection can serve the client's next request. */
  afterBody(): UploadError {
    return new UploadError(this.status, this.code, this.message, this.headers, true, this.body);
  }

  /** The endpoint's answer for this refusal, on top of headers already decided. */
  toAnswer(base: AnswerHeaders = {}): Answer {
    return { status: this.status, headers: { ...base, 'Content-Type': TEXT, ...this.headers }, body: this.body, code: this.code };
  }

  /** The same refusal as a Web Response, for the app's own routes. */
  toResponse(base: HeadersInit = {}): Response {
    const headers = new Headers(base);
    headers.set('Content-Type', TEXT);
    for (const [name, value] of Object.entries(this.headers)) headers.set(name, value);
    return new Response(this.body, { status: this.status, headers });
  }

  /** The same refusal as JSON `{ error: { code, message } }`, for the JSON API (`/api/uploads`). */
  toJsonResponse(base: HeadersInit = {}): Response {
    const headers = new Headers(base);
    for (const [name, value] of Object.entries(this.headers)) headers.set(name, value);
    return Response.json({ error: { code: this.code, message: this.message } }, { status: this.status, headers });
  }
}

/**
 * Whether `error` is an UploadError, also one made by another copy of this
 * module: Next.js bundles each route (and instrumentation, which creates the
 * engine) separately, so a refusal thrown by the shared engine's store is not
 * an `instanceof` the UploadError a route imported.
 */
export function isUploadError(error: unknown): error is UploadError {
  return error instanceof Error && error.name === 'UploadError' && typeof (error as Partial<UploadError>).toResponse === 'function';
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * The answer for anything a request failed with: an UploadError as itself,
 * one of @tus/server's ERRORS (thrown by its stores and lockers) with its
 * status and text, and anything else, a bug, as a 500 that says nothing of
 * the server's insides. Null for the last, so the caller can log it.
 */
export function answerOf(error: unknown, base: AnswerHeaders): Answer | null {
  if (isUploadError(error)) return error.toAnswer(base);
  const tus = error as { status_code?: unknown; body?: unknown } | null;
  if (tus && typeof tus.status_code === 'number' && typeof tus.body === 'string') {
    return { status: tus.status_code, headers: { ...base, 'Content-Type': TEXT }, body: tus.body, code: TUS_ERROR_CODES.get(tus.body) };
  }
  return null;
}

/**
 * Codes for @tus/server's ERRORS (thrown by its stores and lockers), found by
 * their text: a copy of the library in a Next.js bundle has other objects.
 * tusd's code where tusd has the same error, so tusd_errors_total reads the same.
 */
const TUSD_CODES: Partial<Record<keyof typeof ERRORS, string>> = {
  MISSING_OFFSET: 'ERR_INVALID_OFFSET',
  INVALID_CONTENT_TYPE: 'ERR_INVALID_CONTENT_TYPE',
  FILE_NOT_FOUND: 'ERR_UPLOAD_NOT_FOUND',
  INVALID_OFFSET: 'ERR_MISMATCHED_OFFSET',
  ERR_SIZE_EXCEEDED: 'ERR_UPLOAD_SIZE_EXCEEDED',
  INVALID_LENGTH: 'ERR_INVALID_UPLOAD_LENGTH',
  UNKNOWN_ERROR: 'ERR_INTERNAL_SERVER_ERROR',
};
const TUS_ERROR_CODES = new Map<string, string>(
  Object.entries(ERRORS).map(([name, { body }]) => [body, TUSD_CODES[name as keyof typeof ERRORS] ?? `ERR_${name.replace(/^ERR_/, '')}`]),
);

/** The refusals of the endpoint, by stable code. */
export const refuse = {
  /** A hook's refusal (tusd's codes): its status, body and headers where it gave them. */
  byHook: (code: string, message: string, response: { statusCode?: number; body?: string; header?: Record<string, string> } = {}) =>
    new UploadError(response.statusCode ?? 400, code, message, response.header ?? {}, false, response.body),
  hookFailed: (type: string, consequence = 'nothing was changed') =>
    new UploadError(500, 'ERR_HOOK_FAILED', `the ${type} hook failed; ${consequence}`),
  uploadIdTaken: (id: string) => new UploadError(409, 'ERR_UPLOAD_ID_TAKEN', `an upload with the id ${id} exists already`),
  unsupportedVersion: (sent: string | null) =>
    new UploadError(
      412,
      'ERR_UNSUPPORTED_VERSION',
      sent === null ? 'the Tus-Resumable header is required' : `tus version ${JSON.stringify(sent)} is not supported`,
      { 'Tus-Version': TUS_RESUMABLE },
    ),
  badMethodOverride: (value: string) =>
    new UploadError(
      400,
      'ERR_INVALID_METHOD_OVERRIDE',
      `X-HTTP-Method-Override must be PATCH, HEAD, DELETE or OPTIONS (got ${JSON.stringify(value)})`,
    ),
  wrongContentType: (sent: string | null) =>
    new UploadError(
      415,
      'ERR_INVALID_CONTENT_TYPE',
      `upload bytes must be sent as Content-Type: application/offset+octet-stream (got ${sent === null ? 'none' : JSON.stringify(sent)})`,
    ),
  badOffset: (sent: string | null) =>
    new UploadError(
      400,
      'ERR_INVALID_OFFSET',
      sent === null ? 'the Upload-Offset header is required' : `Upload-Offset must be a non-negative integer (got ${JSON.stringify(sent)})`,
    ),
  offsetMismatch: (sent: number, current: number) =>
    new UploadError(
      409,
      'ERR_MISMATCHED_OFFSET',
      `Upload-Offset is ${sent} but the upload holds ${current} bytes; resume from ${current}`,
      {
        'Upload-Offset': String(current),
      },
    ),
  postNotCreation: (creationPath: string) =>
    new UploadError(
      405,
      'ERR_METHOD_NOT_ALLOWED',
      `uploads are created by a POST to ${creationPath}; an upload URL takes HEAD, PATCH, DELETE, GET and OPTIONS`,
      { Allow: 'GET, HEAD, PATCH, DELETE, OPTIONS' },
    ),
  methodNotAllowed: (method: string) =>
    new UploadError(405, 'ERR_METHOD_NOT_ALLOWED', `${method} is not a method of the upload endpoint`, {
      Allow: 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
    }),
  badHeader: (name: string, value: string, should: string) =>
    new UploadError(400, 'ERR_INVALID_HEADER', `${name} ${should} (got ${JSON.stringify(value.slice(0, 200))})`),
  badListingQuery: (why: string) => new UploadError(400, 'ERR_INVALID_QUERY', why),
  notFound: () => new UploadError(404, 'ERR_UPLOAD_NOT_FOUND', 'no upload at this URL'),
  expired: () => new UploadError(410, 'ERR_UPLOAD_EXPIRED', 'this unfinished upload expired and no longer accepts bytes'),
  trailerUnsupported: () =>
    new UploadError(
      400,
      'ERR_CHECKSUM_TRAILER_UNSUPPORTED',
      'this endpoint cannot read request trailers; send Upload-Checksum as a header; nothing was stored',
    ),
  checksumHeaderAndTrailer: () =>
    new UploadError(400, 'ERR_INVALID_CHECKSUM', 'Upload-Checksum is both a header and an announced trailer; send one; nothing was stored'),
  checksumTrailerMissing: () =>
    new UploadError(
      400,
      'ERR_CHECKSUM_TRAILER_MISSING',
      'Trailer announced Upload-Checksum but the body ended without it; nothing was stored',
      {},
      // Known only once every byte was read: the connection can serve the client's retry.
      true,
    ),
  badChecksumHeader: (why: string) => new UploadError(400, 'ERR_INVALID_CHECKSUM', `Upload-Checksum ${why}; nothing was stored`),
  unsupportedChecksum: (algorithm: string, supported: readonly string[]) =>
    new UploadError(
      400,
      'ERR_UNSUPPORTED_CHECKSUM_ALGORITHM',
      `checksum algorithm ${JSON.stringify(algorithm)} is not supported (use one of ${supported.join(', ')}); nothing was stored`,
    ),
  /** tus's own 460 by default; the IETF draft's Content-Digest is refused with a plain 400. */
  checksumMismatch: (algorithm: string, field = 'Upload-Checksum', status = 460) =>
    new UploadError(
      status,
      'ERR_CHECKSUM_MISMATCH',
      `the ${algorithm} digest of the bytes received does not match ${field}; nothing was stored`,
      {},
      // Verifying needed every byte: the connection can serve the client's retry.
      true,
    ),
  representationMismatch: () =>
    new UploadError(
      400,
      'ERR_REPR_DIGEST_MISMATCH',
      'every byte arrived, but their digest does not match the Repr-Digest given at creation: the upload was removed',
    ),
  representationUnverifiable: () =>
    new UploadError(400, 'ERR_REPR_DIGEST_UNSUPPORTED', 'this store cannot read an upload back to verify Repr-Digest; create it without'),
  checksumUnsupportedByStore: () =>
    new UploadError(400, 'ERR_CHECKSUM_UNSUPPORTED', 'this store cannot verify checksums; send the chunk without Upload-Checksum'),
  concatUnsupported: () =>
    new UploadError(
      501,
      'ERR_CONCATENATION_UNSUPPORTED',
      'this store cannot concatenate uploads; disable parallel uploads in the tus client',
    ),
  badConcat: (why: string) => new UploadError(400, 'ERR_INVALID_CONCAT', `Upload-Concat ${why}`),
  finalWithLength: () =>
    new UploadError(400, 'ERR_INVALID_CONCAT', 'a final upload takes its length from its partial uploads: do not send Upload-Length'),
  modifyFinal: () =>
    new UploadError(403, 'ERR_MODIFY_FINAL', 'a final upload is assembled from its partial uploads and cannot receive bytes'),
  partialNotFound: (id: string) => new UploadError(404, 'ERR_PARTIAL_NOT_FOUND', `partial upload ${id} does not exist`),
  notPartial: (id: string) => new UploadError(400, 'ERR_NOT_PARTIAL', `upload ${id} was not created with Upload-Concat: partial`),
  partialInUse: (finals: string[]) =>
    new UploadError(
      409,
      'ERR_PARTIAL_IN_USE',
      `this partial upload is needed by the unfinished final upload(s) ${finals.join(', ')}; delete those first`,
    ),
  finalTooLarge: (max: number) =>
    new UploadError(413, 'ERR_MAX_SIZE_EXCEEDED', `the partial uploads add up to more than the maximum upload size of ${max} bytes`),
  terminationUnsupported: () => new UploadError(501, 'ERR_TERMINATION_UNSUPPORTED', 'this store cannot delete uploads'),
  terminationForbidden: () => new UploadError(403, 'ERR_TERMINATION_FORBIDDEN', 'completed uploads cannot be deleted on this server'),
  bodyOnCreationUnsupported: () => new UploadError(403, 'ERR_MODIFY_FINAL', 'a final upload cannot carry bytes'),
  storageFull: (bodyRead = false) =>
    new UploadError(
      507,
      'ERR_STORAGE_FULL',
      'the server has no storage space left; the bytes stored so far are kept: retry later and resume from the Upload-Offset of a HEAD',
      {},
      bodyRead,
    ),
  storageUnavailable: () =>
    new UploadError(
      503,
      'ERR_STORAGE_UNAVAILABLE',
      'the storage service cannot be reached or failed; the bytes it confirmed are kept: retry shortly and resume from the Upload-Offset of a HEAD',
      { 'Retry-After': '2' },
    ),
  lockUnavailable: () =>
    new UploadError(
      503,
      'ERR_LOCK_UNAVAILABLE',
      'the shared lock service (Redis) cannot be reached, so the upload cannot be used safely; nothing was changed: retry shortly',
      { 'Retry-After': '2' },
    ),
  hookOutboxUnavailable: () =>
    new UploadError(
      503,
      'ERR_HOOKS_UNAVAILABLE',
      'the upload is stored, but its webhook event could not be kept (Redis cannot be reached); the receiver will not hear of it',
      { 'Retry-After': '2' },
    ),
  cacheUnavailable: () =>
    new UploadError(
      503,
      'ERR_CACHE_UNAVAILABLE',
      'the shared upload cache (Redis) cannot be reached; retry shortly and resume from the Upload-Offset of a HEAD',
      { 'Retry-After': '2' },
    ),
} as const;

/**
 * The same refusal as `423 Locked`, for a HEAD while a shared service (Redis,
 * object storage) is unreachable. tus clients (tus-js-client, so the dashboard)
 * retry a HEAD answered 423 but take any other refusal as "this upload is
 * gone" and start a new upload from byte 0, orphaning the one they had.
 */
export function unavailableAsLocked(error: unknown): unknown {
  if (!isUploadError(error) || error.status !== 503) return error;
  return new UploadError(423, error.code, error.message, error.headers, error.bodyRead);
}

/** Whether a failure is the disk (or the user's quota) being full: the request may succeed once space is freed. */
export function isStorageFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
