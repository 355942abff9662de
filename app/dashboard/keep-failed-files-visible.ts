import type { Body, Meta, Uppy } from '@uppy/core';

/**
 * Keeps the status bar's error state (and its Retry button) while any file
 * is still failed.
 *
 * Uppy clears its one global error whenever an upload starts, including the
 * retry of a single file. With two failed files and one retried, the other
 * one's old progress then shows as "Uploading 100%" with a spinner for good,
 * and the global Retry is gone. Once nothing is uploading any more, the
 * error of a file still failed is put back.
 *
 * Returns a function that stops watching.
 */
export function keepFailedFilesVisible(uppy: Uppy<Meta, Body>): () => void {
  const onSettled = () => {
    if (uppy.getState().error) return;
    const files = uppy.getFiles();
    const running = files.some((file) => file.progress.uploadStarted && !file.progress.uploadComplete && !file.error);
    const failed = files.find((file) => file.error);
    if (!running && failed?.error) uppy.setState({ error: failed.error });
  };
  // A single file's retry ends with its own success or error: Uppy emits `complete` only for uploads of every file.
  const events = ['upload-success', 'upload-error', 'complete'] as const;
  for (const event of events) uppy.on(event, onSettled);
  return () => {
    for (const event of events) uppy.off(event, onSettled);
  };
}
