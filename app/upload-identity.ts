import { randomBytes } from 'node:crypto';
import { cookieValue, UPLOAD_TOKEN_COOKIE, uploadEngine } from '@resumable-uploads/engine';

/**
 * Who the visitor uploading is, as a subject string: the owner recorded on
 * every upload they create when access control is on (UPLOAD_TOKEN_SECRET).
 *
 * This is the one function to replace to plug in your own authentication:
 * return your session's user id (for example `user:${session.user.id}`) and
 * every upload, resume, download and listing follows that user across
 * browsers; return null to refuse the visitor (the session route answers 401).
 *
 * The default keeps the subject of the visitor's `upload_token` cookie while
 * it is valid, and otherwise makes up a new anonymous one: each browser is
 * its own uploader, and sees only its own uploads.
 */
export async function uploaderOf(request: Request): Promise<string | null> {
  const current = uploadEngine().access.subjectOfToken(cookieValue(request.headers.get('cookie'), UPLOAD_TOKEN_COOKIE));
  return current ?? `anon:${randomBytes(16).toString('hex')}`;
}
