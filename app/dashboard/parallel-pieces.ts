import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';
import { fingerprintOf, resumeEntries } from './resume-entries';
import { serverExtensions } from './server-extensions';

export interface PieceSettings {
  /** The tus creation URL, as configured (it is part of each fingerprint). */
  endpoint: string;
  /** Pieces a large file is split into; 1 = never split. */
  parallelParts: number;
  /** Files smaller than this are sent in one piece. */
  parallelMinSize: number;
}

/**
 * How many pieces a new upload of this many bytes is sent in: one, unless the
 * server can join pieces (tus `concatenation`) and the file is large enough.
 * Never more pieces than bytes.
 */
export function piecesFor(size: number | null, settings: PieceSettings, serverConcatenates: boolean): number {
  if (!serverConcatenates || size === null || size < settings.parallelMinSize) return 1;
  return Math.max(1, Math.min(settings.parallelParts, size));
}

/**
 * Sends large files in parallel pieces (tus-js-client's `parallelUploads`:
 * each piece is a partial upload, and a final upload joins them once all are
 * complete).
 *
 * Before each upload starts, every file not yet decided gets its number of
 * pieces in its own tus options (`file.tus.parallelUploads`, which @uppy/tus
 * merges over the plugin's). The decision stays with the file: Golden
 * Retriever saves it, so a restored file continues in the pieces it started
 * with, and tus-js-client's resume entry (the URLs of the pieces) lets each
 * piece continue from the server's offset.
 *
 * The server is asked once whether it offers concatenation; if it does not,
 * or cannot be asked, files go in one piece.
 *
 * Returns a function that stops deciding.
 */
export function uploadLargeFilesInPieces(uppy: Uppy<Meta, Body>, settings: PieceSettings): () => void {
  const choosePieces = async (fileIDs: string[]) => {
    const undecided = filesOf(uppy, fileIDs).filter((file) => file.tus?.parallelUploads === undefined);
    const fresh = undecided.filter((file) => piecesAlreadyStarted(file, settings.endpoint) === null);
    // The server is asked only when its answer matters.
    const wouldSplit = fresh.some((file) => piecesFor(file.size, settings, true) > 1);
    const serverConcatenates = wouldSplit && (await serverExtensions(settings.endpoint)).has('concatenation');
    // Read again: files may have been removed, or their state changed, while the server answered.
    const undecidedIds = undecided.map((file) => file.id);
    for (const file of filesOf(uppy, undecidedIds)) {
      const pieces = piecesAlreadyStarted(file, settings.endpoint) ?? piecesFor(file.size, settings, serverConcatenates);
      if (pieces > 1) uppy.log(`[pieces] ${file.name ?? file.id}: ${pieces} parallel pieces`);
      uppy.setFileState(file.id, { tus: { ...file.tus, parallelUploads: pieces } });
    }
  };
  uppy.addPreProcessor(choosePieces);
  return () => uppy.removePreProcessor(choosePieces);
}

/**
 * The pieces of an upload this file has already started, which a resume must
 * keep (tus-js-client resumes whatever its entry holds, and cannot turn a
 * one-piece upload into pieces): null when it has started none.
 */
function piecesAlreadyStarted(file: UppyFile<Meta, Body>, endpoint: string): number | null {
  const entry = resumeEntries(fingerprintOf(file.id, endpoint))[0];
  if (entry?.pieceUrls) return entry.pieceUrls.length;
  if (entry?.uploadUrl || file.tus?.uploadUrl) return 1;
  return null;
}

function filesOf(uppy: Uppy<Meta, Body>, fileIDs: string[]): Array<UppyFile<Meta, Body>> {
  const { files } = uppy.getState();
  return fileIDs.flatMap((id) => (files[id] ? [files[id]] : []));
}
