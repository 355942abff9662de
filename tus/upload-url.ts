/** Where the app mounts the endpoint: the creation URL; uploads live below it. */
export const UPLOAD_ROUTE = '/api/upload';

/**
 * What an upload id may look like. The server names uploads with 32 hex
 * digits; anything outside this pattern (dots, slashes, NUL, names too long
 * for the file system) cannot be an upload and is answered 404 before it
 * reaches a store.
 */
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The upload id in `/api/upload/<id>`, or null for the creation URL and anything malformed. */
export function uploadIdOf(url: string): string | null {
  const { pathname } = new URL(url);
  const prefix = `${UPLOAD_ROUTE}/`;
  if (!pathname.startsWith(prefix)) return null;
  const raw = pathname.slice(prefix.length).replace(/\/$/, '');
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return isUploadId(id) ? id : null;
}

export function isUploadId(text: string): boolean {
  return UPLOAD_ID.test(text);
}
