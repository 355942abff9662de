import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Upload tokens: who may use the endpoint, signed by the server's secret
 * (UPLOAD_TOKEN_SECRET) and valid until a deadline.
 *
 * A token is `<payload>.<signature>`: the payload is base64url(JSON
 * `{"sub": subject, "exp": expiry in ms since the epoch}`), the signature
 * base64url(HMAC-SHA256(secret, payload as sent)). The subject is opaque to
 * the server: the app decides who a visitor is (app/upload-identity.ts) and
 * the server only checks that the app said so, and when.
 */

interface TokenPayload {
  sub: string;
  exp: number;
}

function sign(secret: string, payloadPart: string): Buffer {
  return createHmac('sha256', secret).update(payloadPart).digest();
}

/** A token for `subject`, valid for `ttlMs` from `now`. */
export function issueUploadToken(secret: string, subject: string, ttlMs: number, now: number = Date.now()): string {
  if (subject === '') throw new Error('an upload token needs a non-empty subject');
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new Error(`an upload token needs a positive lifetime in ms (got ${ttlMs})`);
  const payload: TokenPayload = { sub: subject, exp: now + ttlMs };
  const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${payloadPart}.${sign(secret, payloadPart).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The subject of a token signed with `secret` and not expired at `now`; null for anything else. */
export function verifyUploadToken(secret: string, token: string, now: number = Date.now()): string | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [payloadPart, signaturePart] = parts;
  if (!BASE64URL.test(payloadPart) || !BASE64URL.test(signaturePart)) return null;
  const expected = sign(secret, payloadPart);
  const given = Buffer.from(signaturePart, 'base64url');
  // Same length first: timingSafeEqual throws otherwise (and the length is public anyway).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isPayload(payload) || payload.exp <= now) return null;
  return payload.sub;
}

function isPayload(value: unknown): value is TokenPayload {
  if (typeof value !== 'object' || value === null) return false;
  const { sub, exp } = value as Partial<Record<keyof TokenPayload, unknown>>;
  return typeof sub === 'string' && sub !== '' && typeof exp === 'number' && Number.isFinite(exp);
}
