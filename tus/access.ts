import { verifyUploadToken } from './access-tokens';
import { UploadError } from './errors';

/** The cookie that carries an upload token for the browser (downloads, the uploads page). */
export const UPLOAD_TOKEN_COOKIE = 'upload_token';

/**
 * Who may use the endpoint. Off (open mode) without UPLOAD_TOKEN_SECRET: then
 * every request is anyone's and uploads have no owner. On, a request names
 * its subject with a signed upload token (access-tokens.ts), sent as
 * `Authorization: Bearer <token>` or in the `upload_token` cookie.
 */
export interface AccessPolicy {
  readonly enabled: boolean;
  /** The subject a request's credential names, or null when it carries no valid one. */
  subjectOf(req: WithHeaders): string | null;
  /** The subject a token names, or null (for callers that hold the cookie's value, such as a page). */
  subjectOfToken(token: string | null | undefined): string | null;
  /** Whether the request may see an upload with this owner: always in open mode, else only its owner. */
  mayUse(req: WithHeaders, owner: string | undefined): boolean;
}

/** A request of the endpoint (UploadRequest) or a Web Request of one of the app's routes. */
export type WithHeaders = { header(name: string): string | null } | { headers: Headers };

function headerOf(req: WithHeaders, name: string): string | null {
  return 'header' in req ? req.header(name) : req.headers.get(name);
}

/** `secret`: what signs upload tokens; null is open mode. */
export function accessPolicyOf(secret: string | null): AccessPolicy {
  if (secret === null) return { enabled: false, subjectOf: () => null, subjectOfToken: () => null, mayUse: () => true };
  const subjectOfToken = (token: string | null | undefined) => (token ? verifyUploadToken(secret, token) : null);
  const subjectOf = (req: WithHeaders) =>
    subjectOfToken(bearerToken(headerOf(req, 'authorization')) ?? cookieValue(headerOf(req, 'cookie'), UPLOAD_TOKEN_COOKIE));
  return {
    enabled: true,
    subjectOf,
    subjectOfToken,
    mayUse(req, owner) {
      const subject = subjectOf(req);
      return subject !== null && owner === subject;
    },
  };
}

function bearerToken(header: string | null): string | null {
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** One cookie's value from a Cookie header, or null. */
export function cookieValue(header: string | null, name: string): string | null {
  if (header === null) return null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim() || null;
  }
  return null;
}

/** No valid credential: 401 with the challenge RFC 6750 asks for. */
export function unauthorized(): UploadError {
  return new UploadError(
    401,
    'ERR_UNAUTHORIZED',
    'this server needs an upload token: send Authorization: Bearer <token> (or the upload_token cookie)',
    { 'WWW-Authenticate': 'Bearer realm="uploads"' },
  );
}
