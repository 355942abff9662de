import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';
import { fingerprintOf, forgetResumeEntry, resumeEntries } from './resume-entries';

const TUS_VERSION = '1.0.0';

/**
 * Deletes on the server the uploads of removed files that @uppy/tus leaves
 * behind, and forgets their resume entries.
 *
 * @uppy/tus sends DELETE only for a file it is uploading or has paused, and
 * only to the upload's own URL. Left behind are:
 * - a file Golden Retriever brought back without its bytes (a ghost), or one
 *   whose upload failed for good: it has no uploader, so removing it from the
 *   Dashboard (or the re-select banner's Discard) would leave its partial
 *   upload on the server and its entry in localStorage for ever;
 * - a file sent in parallel pieces: until the pieces are joined it has no URL
 *   of its own, so removing it would leave every piece on the server, and its
 *   entry would later "resume" the removed pieces when the same file is added.
 *
 * Pieces created before the last one had its URL are not in any entry yet;
 * those the server's expiration removes.
 *
 * Returns a function that stops listening.
 */
export function terminateAbandonedUploads(uppy: Uppy<Meta, Body>, endpoint: string): () => void {
  const onRemoved = (file: UppyFile<Meta, Body>) => {
    if (file.progress.uploadComplete) return;
    const pieces = resumeEntries(fingerprintOf(file.id, endpoint)).filter((entry) => entry.pieceUrls !== null);
    pieces.forEach(forgetResumeEntry);
    const urls = pieces.flatMap((entry) => entry.pieceUrls ?? []);
    const uploadUrl = file.tus?.uploadUrl;
    if (uploadUrl && (file.isGhost || file.error)) {
      resumeEntries()
        .filter((entry) => entry.uploadUrl === uploadUrl)
        .forEach(forgetResumeEntry);
      urls.push(uploadUrl);
    }
    for (const url of urls) {
      // keepalive: the user may close the tab right after discarding.
      fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': TUS_VERSION }, keepalive: true }).catch((error: unknown) => {
        // Best effort, as for uploads the plugin terminates: the bytes stay until an operator (or expiration) removes them.
        uppy.log(`[terminate] could not delete ${url}: ${String(error)}`, 'warning');
      });
    }
  };
  uppy.on('file-removed', onRemoved);
  return () => uppy.off('file-removed', onRemoved);
}
