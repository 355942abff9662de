import { HEADERS } from '@tus/server';

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
const ALLOWED_HEADERS = [...new Set([...HEADERS, 'Upload-Checksum', 'Upload-Concat', 'Range', 'If-Range', 'Authorization'])].join(', ');

/** Response headers a browser client may read: every tus header, and what downloads need. */
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
].join(', ');

const ALLOWED_METHODS = 'POST, HEAD, PATCH, OPTIONS, DELETE, GET';
const PREFLIGHT_MAX_AGE = String(24 * 3600);

export function applyCors(req: Request, response: Response, allowedOrigins: '*' | string[]): void {
  const { headers } = response;
  const origin = req.headers.get('origin');
  if (allowedOrigins === '*') {
    headers.set('Access-Control-Allow-Origin', '*');
  } else {
    // The answer depends on the Origin header, so caches must key on it.
    headers.append('Vary', 'Origin');
    if (origin !== null && allowedOrigins.includes(origin)) headers.set('Access-Control-Allow-Origin', origin);
    else headers.delete('Access-Control-Allow-Origin');
  }
  headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  if (req.method === 'OPTIONS') {
    headers.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
    headers.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    headers.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
  }
}
