import { refuse } from './errors';
import { isUploadId } from './upload-url';

/**
 * The concatenation extension: `Upload-Concat: partial` marks an upload as a
 * piece of a larger one; `Upload-Concat: final;<url> <url> …` creates the
 * larger one from its pieces, in order.
 */

/** What an upload is in a concatenation, as kept beside it by the store. */
export type ConcatRole =
  | { kind: 'partial' }
  | {
      kind: 'final';
      /** The Upload-Concat header as the client sent it: HEAD must echo it unchanged. */
      header: string;
      /** Ids of the partial uploads, in order; the same id may appear more than once. */
      parts: string[];
    };

export type ConcatRequest = { kind: 'partial' } | { kind: 'final'; header: string; urls: string[] };

/** Reads an Upload-Concat request header; null when there is none. */
export function parseUploadConcat(header: string | null): ConcatRequest | null {
  if (header === null) return null;
  const value = header.trim();
  if (value === 'partial') return { kind: 'partial' };
  if (!value.startsWith('final;')) throw refuse.badConcat('must be "partial" or "final;<url> <url> …"');
  const urls = value
    .slice('final;'.length)
    .split(' ')
    .filter((url) => url !== '');
  if (urls.length === 0) throw refuse.badConcat('"final;" lists no partial uploads');
  return { kind: 'final', header, urls };
}

/**
 * The upload ids behind the URLs of a final upload. Only URLs of this
 * endpoint are accepted: relative ones are resolved against the request, and
 * each must name an upload directly under one of `uploadBases` (the URLs this
 * server hands out in Location, ending in a slash). A URL of another host or
 * another path is refused rather than fetched or guessed at.
 */
export function partIdsOf(urls: string[], requestUrl: string, uploadBases: URL[]): string[] {
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw, requestUrl);
    } catch {
      throw refuse.badConcat(`lists ${JSON.stringify(raw)}, which is not a URL`);
    }
    if (url.search || url.hash) throw refuse.badConcat(`lists ${JSON.stringify(raw)}, which has a query or fragment`);
    for (const base of uploadBases) {
      if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) continue;
      const id = url.pathname.slice(base.pathname.length);
      if (isUploadId(id)) return id;
    }
    throw refuse.badConcat(`lists ${JSON.stringify(raw)}, which is not an upload of this server`);
  });
}
