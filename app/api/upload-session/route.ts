import { issueUploadToken, unauthorized, UPLOAD_TOKEN_COOKIE, uploadEngine } from '@resumable-uploads/engine';
import { uploaderOf } from '../../upload-identity';

export const dynamic = 'force-dynamic';

/** How long a session's token is valid; every visit to the dashboard renews it. */
const SESSION_TTL_MS = 7 * 24 * 3_600_000;

/**
 * The visitor's upload token: `{ "token": "…" }`, also set as the HttpOnly
 * `upload_token` cookie (which downloads and the uploads page use). Who the
 * visitor is comes from uploaderOf() (app/upload-identity.ts). Each call
 * issues a fresh token for the same subject, so an active visitor never sees
 * theirs expire. In open mode there is no token: `{ "token": null }`.
 */
export async function GET(request: Request): Promise<Response> {
  const { uploadTokenSecret: secret, trustProxy, publicUrl } = uploadEngine().settings;
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  if (secret === null) return Response.json({ token: null }, { headers });
  const subject = await uploaderOf(request);
  if (subject === null) return unauthorized().toResponse(headers);
  const token = issueUploadToken(secret, subject, SESSION_TTL_MS);
  // Secure when the visitor is on https: directly, or as a trusted proxy or PUBLIC_URL says.
  const secure =
    new URL(request.url).protocol === 'https:' ||
    publicUrl?.protocol === 'https:' ||
    (trustProxy && request.headers.get('x-forwarded-proto')?.split(',')[0].trim() === 'https');
  const cookie = [
    `${UPLOAD_TOKEN_COOKIE}=${token}`,
    'Path=/',
    `Max-Age=${SESSION_TTL_MS / 1000}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
  headers.append('Set-Cookie', cookie);
  return Response.json({ token }, { headers });
}
