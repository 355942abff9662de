import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';

const TUS_VERSION = '1.0.0';

/**
 * Asks the server which restored files had in fact finished uploading, and
 * settles them as Golden Retriever would have had its snapshot been fresh.
 *
 * Golden Retriever saves its recovery snapshot at most every 500 ms. When the
 * page goes away within that window after an upload completes (a quick
 * navigation, a closed tab, a crash), the snapshot it restores still shows the
 * file uploading: without its bytes (they are dropped on success) it would come
 * back as a file to re-select, and a finished upload would look lost. The
 * server knows better: an upload whose offset has reached its length is
 * complete.
 *
 * As with a fresh snapshot, when every restored file turns out complete the
 * dashboard starts empty; otherwise the finished ones show as complete beside
 * those that still resume. Nothing is deleted on the server: a file is marked
 * complete before it is removed, so terminate-abandoned-uploads.ts leaves it be.
 *
 * Returns a function that stops listening.
 */
export function settleFinishedRestores(uppy: Uppy<Meta, Body>, token: string | null): () => void {
  const onRestored = async () => {
    // Only files waiting to be re-selected: the others resume by themselves and
    // find out from the server's offset, and a HEAD now would interrupt their PATCH.
    const restored = uppy.getFiles().filter((file) => file.isRestored && file.isGhost && !file.progress.uploadComplete);
    const finished = await Promise.all(restored.map((file) => isFinishedOnServer(file, token)));
    const settled = restored.filter((_file, index) => finished[index]);
    for (const file of settled) markComplete(uppy, file);
    const current = uppy.getFiles();
    if (settled.length > 0 && current.every((file) => file.progress.uploadComplete)) {
      uppy.removeFiles(current.map((file) => file.id));
      // As Golden Retriever does once every file is complete: nothing is left to confirm or resume.
      uppy.setState({ recoveredState: null });
    }
  };
  const listener = () => {
    // Best effort: a file the server cannot describe now stays as Golden Retriever restored it.
    onRestored().catch((error: unknown) => uppy.log(`[restore] could not check finished uploads: ${String(error)}`, 'warning'));
  };
  uppy.on('restored', listener);
  return () => uppy.off('restored', listener);
}

async function isFinishedOnServer(file: UppyFile<Meta, Body>, token: string | null): Promise<boolean> {
  const uploadUrl = file.tus?.uploadUrl;
  if (!uploadUrl) return false;
  const response = await fetch(uploadUrl, {
    method: 'HEAD',
    cache: 'no-store',
    headers: { 'Tus-Resumable': TUS_VERSION, ...(token !== null && { Authorization: `Bearer ${token}` }) },
  });
  if (!response.ok) return false;
  const offset = response.headers.get('Upload-Offset');
  const length = response.headers.get('Upload-Length');
  return offset !== null && length !== null && offset === length;
}

function markComplete(uppy: Uppy<Meta, Body>, file: UppyFile<Meta, Body>): void {
  const size = file.size ?? 0;
  const now = Date.now();
  uppy.setFileState(file.id, {
    isGhost: false,
    error: null,
    progress: {
      ...file.progress,
      uploadStarted: file.progress.uploadStarted ?? now,
      uploadComplete: true,
      complete: true,
      percentage: 100,
      bytesUploaded: size,
      bytesTotal: size,
    },
  });
}
