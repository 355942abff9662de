import { createHash } from 'node:crypto';
import type http from 'node:http';
import { rawRequest, type RawResponse } from './http';

/**
 * Requests of the IETF draft "Resumable Uploads for HTTP", written from its
 * texts (not from the server's code): each interop version names whether an
 * upload is complete in its own field.
 */

export const INTEROP = 'Upload-Draft-Interop-Version';
export const INTEROP_VERSIONS = [3, 4, 5, 6, 7, 8] as const;
export type InteropVersion = (typeof INTEROP_VERSIONS)[number];

/** The field that says a request ends the upload: -01 (interop 3) says it the other way round. */
export function completeness(version: InteropVersion, complete: boolean): Record<string, string> {
  return version === 3 ? { 'Upload-Incomplete': complete ? '?0' : '?1' } : { 'Upload-Complete': complete ? '?1' : '?0' };
}

/** One draft request (a fresh connection, exactly these headers). */
export function draftRequest(
  url: string,
  version: InteropVersion | string,
  method: string,
  headers: Record<string, string | number> = {},
  body?: Buffer | string,
): Promise<RawResponse> {
  const length: Record<string, number> = body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) };
  return rawRequest(url, { method, headers: { [INTEROP]: version, ...length, ...headers }, body });
}

/** An append (PATCH) at `offset`, labelled as the versions from -04 (interop 6) on require. */
export function draftAppend(
  url: string,
  version: InteropVersion,
  offset: number,
  body: Buffer | string,
  complete: boolean,
  headers: Record<string, string | number> = {},
): Promise<RawResponse> {
  return draftRequest(
    url,
    version,
    'PATCH',
    { 'Upload-Offset': offset, 'Content-Type': 'application/partial-upload', ...completeness(version, complete), ...headers },
    body,
  );
}

/** The draft's fields of an answer, and Location, by lower-case name: what a version's text says an answer carries. */
export function draftFields(headers: http.IncomingHttpHeaders | Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (/^(upload-|location$|cache-control$|tus-resumable$|accept-patch$)/.test(name)) fields[name] = String(value);
  }
  return fields;
}

/** An RFC 9530 digest field value: `sha-256=:<base64>:`. */
export function digestField(data: Buffer | string, algorithm: 'sha-256' | 'sha-512' = 'sha-256'): string {
  const hash = createHash(algorithm.replace('-', '')).update(data).digest('base64');
  return `${algorithm}=:${hash}:`;
}
