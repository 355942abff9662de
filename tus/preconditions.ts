import { TUS_RESUMABLE } from '@tus/server';
import { refuse } from './errors';
import { UPLOAD_ROUTE } from './upload-url';

/**
 * Everything about a tus request that can be judged from its method and
 * headers alone, judged before @tus/server sees it: the library answers some
 * of these with the wrong status (400 for an unsupported version, 403 for a
 * missing Content-Type or Upload-Offset) and has no X-HTTP-Method-Override.
 */

/** The only Content-Type upload bytes may come with. */
export const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';
const OVERRIDABLE = new Set(['PATCH', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * A POST with X-HTTP-Method-Override is the method it names: clients behind
 * proxies that only pass GET and POST (tus-java-client can) rely on it.
 */
export function applyMethodOverride(req: Request): Request {
  const override = req.headers.get('x-http-method-override');
  if (req.method !== 'POST' || override === null) return req;
  const method = override.trim().toUpperCase();
  if (!OVERRIDABLE.has(method)) throw refuse.badMethodOverride(override);
  if (method !== 'PATCH') return new Request(req.url, { method, headers: req.headers });
  return new Request(req.url, { method, headers: req.headers, body: req.body, duplex: 'half' } as RequestInit);
}

/** Throws the UploadError a request deserves before any upload is touched. */
export function checkPreconditions(req: Request): void {
  if (req.method === 'OPTIONS') return;
  const version = req.headers.get('tus-resumable');
  if (version !== TUS_RESUMABLE) throw refuse.unsupportedVersion(version);
  // checksum-trailer is not offered: a checksum we cannot read must not be taken as verified.
  // Creation happens at the endpoint only: a POST to an upload URL (or a malformed one) creates nothing.
  if (req.method === 'POST' && new URL(req.url).pathname.replace(/\/$/, '') !== UPLOAD_ROUTE) throw refuse.postNotCreation();
  if (/(^|,)\s*upload-checksum\s*(,|$)/i.test(req.headers.get('trailer') ?? '')) throw refuse.trailerUnsupported();
  if (req.method === 'PATCH') {
    const type = req.headers.get('content-type');
    if (type !== OFFSET_OCTET_STREAM) throw refuse.wrongContentType(type);
    const offset = req.headers.get('upload-offset');
    if (offset === null || !/^\d+$/.test(offset) || !Number.isSafeInteger(Number(offset))) throw refuse.badOffset(offset);
  }
  if (req.method === 'POST' && carriesBytes(req)) {
    // Bytes under another type would be silently dropped by creation.
    const type = req.headers.get('content-type');
    if (type !== OFFSET_OCTET_STREAM) throw refuse.wrongContentType(type);
  }
}

/** Whether a request announces body bytes (some clients send a Content-Type with an empty body). */
export function carriesBytes(req: Request): boolean {
  const length = req.headers.get('content-length');
  return (length !== null && length.trim() !== '0') || req.headers.has('transfer-encoding');
}
