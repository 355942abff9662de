/** What a listed file is, in words a person reads, rather than its MIME type. */
export const FILE_KINDS = [
  'pdf',
  'png',
  'jpeg',
  'gif',
  'webp',
  'avif',
  'image',
  'text',
  'spreadsheet',
  'json',
  'audio',
  'video',
  'archive',
  'file',
] as const;
export type FileKind = (typeof FILE_KINDS)[number];

const BY_TYPE: Record<string, FileKind> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'text/plain': 'text',
  'text/csv': 'spreadsheet',
  'application/json': 'json',
  'application/zip': 'archive',
  'application/gzip': 'archive',
};

// The listed type is what the server will serve (application/octet-stream for anything it does not trust), so the name's extension tells the rest.
const BY_EXTENSION: Record<string, FileKind> = {
  pdf: 'pdf',
  txt: 'text',
  md: 'text',
  csv: 'spreadsheet',
  xlsx: 'spreadsheet',
  json: 'json',
  zip: 'archive',
  gz: 'archive',
  tgz: 'archive',
  tar: 'archive',
  '7z': 'archive',
  rar: 'archive',
};

export function fileKind(type: string, name: string): FileKind {
  const known = BY_TYPE[type];
  if (known) return known;
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (extension && BY_EXTENSION[extension]) || 'file';
}

const ICONS: Record<FileKind, string> = {
  pdf: '📕',
  png: '🖼️',
  jpeg: '🖼️',
  gif: '🖼️',
  webp: '🖼️',
  avif: '🖼️',
  image: '🖼️',
  text: '📄',
  spreadsheet: '📊',
  json: '📄',
  audio: '🎵',
  video: '🎬',
  archive: '🗜️',
  file: '📁',
};

export function kindIcon(kind: FileKind): string {
  return ICONS[kind];
}

/**
 * Types shown as a thumbnail: raster images a browser decodes as pixels only.
 * SVG (which can carry script) and HTML are never among them; the server
 * lists those as application/octet-stream anyway.
 */
const THUMBNAIL_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

export function hasThumbnail(type: string): boolean {
  return THUMBNAIL_TYPES.has(type);
}
