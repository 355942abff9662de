/** Where an app mounts the endpoint unless it says otherwise: the creation URL; uploads live below it. */
export const DEFAULT_UPLOAD_PATH = '/api/upload';

/**
 * What an upload id may look like. The server names uploads with 32 hex
 * digits; anything outside this pattern (dots, slashes, NUL, names too long
 * for the file system) cannot be an upload and is answered 404 before it
 * reaches a store.
 */
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function isUploadId(text: string): boolean {
  return UPLOAD_ID.test(text);
}

/**
 * The endpoint's place in the site: `<path>` creates, `<path>/<id>` is an
 * upload. Either may end in a slash (tusd accepts both forms, and a client
 * that joins URLs naively sends one).
 */
export class UploadRoute {
  private readonly prefix: string;

  constructor(readonly path: string) {
    if (!/^\/[^?#]*[^/?#]$/.test(path))
      throw new Error(`the upload path must start with / and not end with one (got ${JSON.stringify(path)})`);
    this.prefix = `${path}/`;
  }

  /** Whether a request path is the endpoint's: the creation URL or anything below it. */
  covers(pathname: string): boolean {
    return pathname === this.path || pathname.startsWith(this.prefix);
  }

  /** Whether a request path is the creation URL. */
  isCreation(pathname: string): boolean {
    return pathname === this.path || pathname === this.prefix;
  }

  /** The upload id in `<path>/<id>`, or null for the creation URL and anything malformed. */
  idOf(pathname: string): string | null {
    if (!pathname.startsWith(this.prefix)) return null;
    const raw = pathname.endsWith('/') ? pathname.slice(this.prefix.length, -1) : pathname.slice(this.prefix.length);
    let id: string;
    try {
      id = raw.includes('%') ? decodeURIComponent(raw) : raw;
    } catch {
      return null;
    }
    return isUploadId(id) ? id : null;
  }

  /** The site-relative URL of an upload. */
  urlOf(id: string): string {
    return `${this.prefix}${id}`;
  }
}
