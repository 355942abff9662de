import { HEADERS } from '@tus/server';
import type { AnswerHeaders } from './http/answer';

/**
 * CORS for every answer of the endpoint, decided here only (the library's
 * lists lack Upload-Checksum and Upload-Expires, and it sends no Vary).
 */

/**
 * Request headers a browser client may send. Authorization carries an upload
 * token (access.ts); it is sent explicitly by the client, so allowing it needs
 * no Access-Control-Allow-Credentials (which is never sent: cookies do not
 * cross origins).
 */
const ALLOWED_HEADERS = [
  ...new Set([
    ...HEADERS,
    'Upload-Checksum',
    'Upload-Concat',
    'Range',
    'If-Range',
    'Authorization',
    // The IETF draft's (ietf/).
    'Upload-Draft-Interop-Version',
    'Upload-Complete',
    'Upload-Incomplete',
    'Content-Disposition',
    'Content-Digest',
    'Repr-Digest',
  ]),
].join(', ');

/** Response headers a browser client may read: every tus and draft header, and what downloads need. */
const EXPOSED_HEADERS = [
  'Location',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Defer-Length',
  'Upload-Expires',
  'Upload-Concat',
  'Content-Range',
  'Content-Disposition',
  'WWW-Authenticate',
  // The IETF draft's (ietf/).
  'Upload-Draft-Interop-Version',
  'Upload-Complete',
  'Upload-Incomplete',
  'Upload-Limit',
  'Accept-Patch',
].join(', ');

const ALLOWED_METHODS = 'POST, HEAD, PATCH, OPTIONS, DELETE, GET';
const PREFLIGHT_MAX_AGE = String(24 * 3600);

/** Sets the CORS headers of an answer to a request with this method and Origin. */
export function applyCors(method: string, origin: string | null, headers: AnswerHeaders, allowedOrigins: '*' | string[]): void {
  if (allowedOrigins === '*') {
    headers['Access-Control-Allow-Origin'] = '*';
  } else {
    // The answer depends on the Origin header, so caches must key on it.
    headers.Vary = headers.Vary ? `${headers.Vary}, Origin` : 'Origin';
    if (origin !== null && allowedOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;
    else delete headers['Access-Control-Allow-Origin'];
  }
  headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
  if (method === 'OPTIONS') {
    headers['Access-Control-Allow-Methods'] = ALLOWED_METHODS;
    headers['Access-Control-Allow-Headers'] = ALLOWED_HEADERS;
    headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE;
  }
}
