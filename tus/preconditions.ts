import { TUS_RESUMABLE } from '@tus/server';
import { refuse } from './errors';
import { withMethod, type UploadRequest } from './http/request';
import type { UploadRoute } from './upload-url';

/**
 * Everything about a tus request that can be judged from its method and
 * headers alone, judged before any upload is touched.
 */

/** The only Content-Type upload bytes may come with. */
export const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';
const OVERRIDABLE = new Set(['PATCH', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * A POST with X-HTTP-Method-Override is the method it names: clients behind
 * proxies that only pass GET and POST (tus-java-client can) rely on it.
 */
export function applyMethodOverride(req: UploadRequest): UploadRequest {
  const override = req.header('x-http-method-override');
  if (req.method !== 'POST' || override === null) return req;
  const method = override.trim().toUpperCase();
  if (!OVERRIDABLE.has(method)) throw refuse.badMethodOverride(override);
  return withMethod(req, method);
}

/** A non-negative integer written one way only: no sign, no leading zero ("05" is refused, as @tus/server refuses it). */
const NON_NEGATIVE_INTEGER = /^(0|[1-9]\d*)$/;

/** Throws the UploadError a request deserves before any upload is touched. */
export function checkPreconditions(req: UploadRequest, route: UploadRoute): void {
  if (req.method === 'OPTIONS') return;
  const version = req.header('tus-resumable');
  if (version !== TUS_RESUMABLE) throw refuse.unsupportedVersion(version);
  // Creation happens at the endpoint only: a POST to an upload URL (or a malformed one) creates nothing.
  if (req.method === 'POST' && !route.isCreation(req.path)) throw refuse.postNotCreation(route.path);
  const length = req.header('upload-length');
  if (length !== null && !isSafeInteger(length)) throw refuse.badHeader('Upload-Length', length, 'must be a non-negative integer');
  const deferred = req.header('upload-defer-length');
  if (deferred !== null && deferred !== '1') throw refuse.badHeader('Upload-Defer-Length', deferred, 'must be 1');
  if (req.method === 'PATCH') {
    const type = req.header('content-type');
    if (type !== OFFSET_OCTET_STREAM) throw refuse.wrongContentType(type);
    const offset = req.header('upload-offset');
    if (offset === null || !isSafeInteger(offset)) throw refuse.badOffset(offset);
  }
  if (req.method === 'POST' && carriesBytes(req)) {
    // Bytes under another type would be silently dropped by creation.
    const type = req.header('content-type');
    if (type !== OFFSET_OCTET_STREAM) throw refuse.wrongContentType(type);
  }
}

function isSafeInteger(text: string): boolean {
  return NON_NEGATIVE_INTEGER.test(text) && Number.isSafeInteger(Number(text));
}

/** Whether a request announces body bytes (some clients send a Content-Type with an empty body). */
export function carriesBytes(req: UploadRequest): boolean {
  const length = req.header('content-length');
  return (length !== null && length.trim() !== '0') || req.header('transfer-encoding') !== null;
}
