import type { DataStore } from '@tus/server';
import type { AccessPolicy } from './access';
import { canList, canReadRange, type StoredUpload } from './capabilities';
import { isUploadError } from './errors';
import type { Answer, AnswerHeaders } from './http/answer';
import type { UploadRequest } from './http/request';
import { declaredType, displayName } from './metadata';

/**
 * Types a browser may be told about. Anything else is served as
 * application/octet-stream so an uploaded HTML or SVG file can never run as
 * a page of this origin.
 */
const SAFE_CONTENT_TYPES = new Set([
  'text/plain',
  'text/csv',
  'application/json',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/flac',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
]);

export function safeContentType(declared: string | null | undefined): string {
  const essence = declared?.split(';')[0].trim().toLowerCase();
  return essence && SAFE_CONTENT_TYPES.has(essence) ? essence : 'application/octet-stream';
}

/**
 * Characters a download name never carries: controls (CR/LF could split a
 * header), path separators (`../../etc/passwd`), and the bidirectional
 * formatting marks that make `txt.exe` look like `exe.txt` (U+202E and kin).
 */
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f/\\\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Longest download name, in characters. Metadata may hold a name of any
 * length; percent-encoded twice over in the header, a long one would exceed
 * what HTTP clients accept in a response's headers (16 KiB for Node's), and
 * no file system keeps more than 255 bytes of a name anyway.
 */
const MAX_NAME_LENGTH = 120;

/** The name cut to MAX_NAME_LENGTH characters, keeping a short extension so the file still opens with the right program. */
function shortened(name: string): string {
  const characters = [...name];
  if (characters.length <= MAX_NAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? [...name.slice(dot)] : [];
  return [...characters.slice(0, MAX_NAME_LENGTH - extension.length - 1), '…', ...extension].join('');
}

/**
 * `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266,
 * RFC 5987 encoding): the header is plain printable ASCII whatever the
 * metadata holds, and the name is the uploaded one with unsafe characters
 * (UNSAFE_IN_NAME) replaced by `_`.
 */
export function attachmentDisposition(uploaded: string): string {
  const name = shortened(uploaded.replace(UNSAFE_IN_NAME, '_'));
  const fallback = name.replace(/[^\x20-\x7e]|["%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export type ByteRange = { start: number; end: number };

/**
 * Parses a single `bytes=` range against a size. Returns null when the header
 * should be ignored (absent, malformed, several ranges: the whole file is
 * then served, as RFC 9110 allows) and 'unsatisfiable' for a 416.
 */
export function parseRange(header: string | null, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (match[2] !== '' && Number(match[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return { start, end };
}

function entityTag(upload: StoredUpload): string {
  return `"${upload.id}-${upload.size}"`;
}

/**
 * GET on an upload URL: the completed file as an attachment, with Range
 * support. Unfinished, unknown and malformed ids, and with access control
 * another subject's uploads, all answer 404 so that probing reveals nothing.
 */
export async function serveDownload(req: UploadRequest, store: DataStore, id: string | null, access: AccessPolicy): Promise<Answer> {
  if (id === null) return plain(404, 'Not found\n');
  if (!canList(store) || !canReadRange(store)) {
    return plain(501, 'Downloads are not supported by this store\n');
  }
  // A storage outage is the endpoint's 503 (an UploadError), not a 404 that would tell the client the file is gone.
  const upload = await store.describeUpload(id).catch((error: unknown) => {
    if (isUploadError(error)) throw error;
    return null;
  });
  // Another subject's upload is as unknown as a missing one.
  if (!upload?.completedAt || upload.size === undefined || !access.mayUse(req, upload.owner)) {
    return plain(404, 'The file for this url was not found\n');
  }
  const size = upload.size;
  const lastModified = upload.completedAt.toUTCString();
  const headers: AnswerHeaders = {
    'Accept-Ranges': 'bytes',
    'Content-Type': safeContentType(declaredType(upload.metadata)),
    'Content-Disposition': attachmentDisposition(displayName(upload.metadata, id)),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-cache',
    ETag: entityTag(upload),
    'Last-Modified': lastModified,
  };

  // If-Range: a client resuming a download of a file that changed gets it whole.
  const ifRange = req.header('if-range');
  const rangeApplies = ifRange === null || ifRange === entityTag(upload) || ifRange === lastModified;
  const range = rangeApplies ? parseRange(req.header('range'), size) : null;
  if (range === 'unsatisfiable') {
    headers['Content-Range'] = `bytes */${size}`;
    headers['Content-Length'] = '0';
    return { status: 416, headers, body: null };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers['Content-Length'] = String(end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  // HEAD never reaches here (it is tus's), so a body is always wanted.
  const body = size === 0 ? null : await store.readRange(id, start, end);
  return { status: range ? 206 : 200, headers, body };
}

function plain(status: number, text: string): Answer {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
}
