/** Reading the tus `Upload-Metadata` keys that clients conventionally send. */

type Metadata = Record<string, string | null | undefined>;

/** The file's name as the client gave it (Uppy and tus-js-client send `filename`, others `name`). */
export function displayName(metadata: Metadata, fallback: string): string {
  const name = metadata.filename ?? metadata.name;
  return name && name.trim() !== '' ? name : fallback;
}

/** The MIME type the client declared (`filetype` from Uppy, `type` or `mimeType` elsewhere). */
export function declaredType(metadata: Metadata): string | null {
  return metadata.filetype ?? metadata.type ?? metadata.mimeType ?? null;
}
