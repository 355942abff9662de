import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * A final upload's folder of pieces: hard links to its parts' data files, in
 * order, named so that sorting the names sorts the pieces.
 */

/** Errors of a hard link that a copy gets around: no links on this file system, or too many on this inode. */
const LINK_UNAVAILABLE = new Set(['EMLINK', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV']);

/** The name of a final's `index`th piece in its folder. */
function pieceName(index: number): string {
  return String(index).padStart(6, '0');
}

/**
 * Links `sources` into the existing, empty `folder` as its pieces, in order,
 * and flushes the folder's entries when `sync` is on. A source that cannot be
 * linked is copied (and the copy flushed).
 */
export async function linkPieces(folder: string, sources: string[], sync: boolean): Promise<void> {
  for (const [index, source] of sources.entries()) {
    const piece = path.join(folder, pieceName(index));
    try {
      await fsp.link(source, piece);
    } catch (error) {
      if (!LINK_UNAVAILABLE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await fsp.copyFile(source, piece, fs.constants.COPYFILE_EXCL);
      if (sync) await syncPath(piece);
    }
  }
  if (sync) await syncPath(folder);
}

/** The pieces of a final's folder, in order. */
export async function piecesOf(folder: string): Promise<string[]> {
  return (await fsp.readdir(folder)).sort().map((name) => path.join(folder, name));
}

/** Flushes a file's content, or a folder's entries, to the disk. */
async function syncPath(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
