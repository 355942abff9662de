import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';

const TUS_VERSION = '1.0.0';
/** Prefix of the resume entries tus-js-client keeps in localStorage. */
const RESUME_ENTRY_PREFIX = 'tus::';

/**
 * Deletes on the server the uploads of files removed while no uploader owns
 * them, and forgets their resume entries.
 *
 * @uppy/tus sends DELETE only for a file it is uploading or has paused. A
 * file Golden Retriever brought back without its bytes (a ghost), or one
 * whose upload failed for good, has no uploader: removing it from the
 * Dashboard (or the re-select banner's Discard) would leave its partial
 * upload on the server and its entry in localStorage for ever.
 *
 * Returns a function that stops listening.
 */
export function terminateAbandonedUploads(uppy: Uppy<Meta, Body>): () => void {
  const onRemoved = (file: UppyFile<Meta, Body>) => {
    const uploadUrl = file.tus?.uploadUrl;
    if (!uploadUrl || file.progress.uploadComplete) return;
    if (!file.isGhost && !file.error) return;
    forgetResumeEntries(uploadUrl);
    // keepalive: the user may close the tab right after discarding.
    fetch(uploadUrl, { method: 'DELETE', headers: { 'Tus-Resumable': TUS_VERSION }, keepalive: true }).catch((error: unknown) => {
      // Best effort, as for uploads the plugin terminates: the bytes stay until an operator removes them.
      uppy.log(`[terminate] could not delete ${uploadUrl}: ${String(error)}`, 'warning');
    });
  };
  uppy.on('file-removed', onRemoved);
  return () => uppy.off('file-removed', onRemoved);
}

function forgetResumeEntries(uploadUrl: string): void {
  for (const key of Object.keys(localStorage)) {
    if (!key.startsWith(RESUME_ENTRY_PREFIX)) continue;
    try {
      if ((JSON.parse(localStorage.getItem(key) ?? 'null') as { uploadUrl?: string } | null)?.uploadUrl === uploadUrl) {
        localStorage.removeItem(key);
      }
    } catch {
      // Not an entry of ours: leave it.
    }
  }
}
