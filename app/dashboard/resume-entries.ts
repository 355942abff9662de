/**
 * The resume entries tus-js-client keeps in localStorage: one per upload in
 * progress, under `tus::<fingerprint>::<random>`, holding the upload's URL,
 * or the URLs of its pieces when the file is sent in parallel pieces.
 */
export interface ResumeEntry {
  key: string;
  /** The upload's URL when it is sent in one piece. */
  uploadUrl: string | null;
  /** The pieces' URLs, in file order, when it is sent in parallel pieces. */
  pieceUrls: string[] | null;
}

const PREFIX = 'tus::';

/**
 * The fingerprint @uppy/tus gives a file (its getFingerprint.js): the Uppy
 * file id and the tus endpoint, exactly as configured.
 */
export function fingerprintOf(fileId: string, endpoint: string): string {
  return ['tus', fileId, endpoint].join('-');
}

/**
 * Every entry, or those of one fingerprint, in the order tus-js-client finds
 * them (it resumes the first). Entries that are not ours are skipped.
 */
export function resumeEntries(fingerprint?: string): ResumeEntry[] {
  const prefix = fingerprint === undefined ? PREFIX : `${PREFIX}${fingerprint}::`;
  const entries: ResumeEntry[] = [];
  for (let index = 0; index < localStorage.length; index++) {
    const key = localStorage.key(index);
    if (key === null || !key.startsWith(prefix)) continue;
    const entry = parse(key, localStorage.getItem(key));
    if (entry) entries.push(entry);
  }
  return entries;
}

export function forgetResumeEntry(entry: ResumeEntry): void {
  localStorage.removeItem(entry.key);
}

function parse(key: string, text: string | null): ResumeEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { uploadUrl, parallelUploadUrls } = value as { uploadUrl?: unknown; parallelUploadUrls?: unknown };
  const pieceUrls =
    Array.isArray(parallelUploadUrls) && parallelUploadUrls.every((url): url is string => typeof url === 'string')
      ? parallelUploadUrls
      : null;
  return { key, uploadUrl: typeof uploadUrl === 'string' ? uploadUrl : null, pieceUrls };
}
