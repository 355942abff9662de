/**
 * Requests from real clients that @tus/server 2.4.5 refuses although they
 * carry nothing wrong, put in the form it accepts before it sees them.
 */

/**
 * tuspy (python3-tuspy 1.0, like upstream tuspy) always sends
 * `Upload-Metadata`, with an empty value when the upload has no metadata.
 * @tus/server answers that with 400 "Invalid upload-metadata", so such a
 * client can never create an upload. An empty value can only mean "no
 * metadata" (tusd reads it that way), so the header is dropped.
 */
export function withoutEmptyMetadata(req: Request): Request {
  const metadata = req.headers.get('upload-metadata');
  if (metadata === null || metadata.trim() !== '') return req;
  const headers = new Headers(req.headers);
  headers.delete('upload-metadata');
  // Same method, URL, signal and (still unread) body stream; only the headers differ.
  return new Request(req, { headers });
}
