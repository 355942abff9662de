import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';
import type { ConnectionWatch } from './connection';
import { isRetryable, statusOf } from './retry-policy';

/**
 * An upload whose bytes have not moved for this long while the server is
 * reachable is started again from the server's offsets. Long enough for the
 * slowest links and for the server's lock hand-over (3 s); short against the
 * minutes a user would wait before reloading.
 */
export const STALL_MS = 20_000;
const CHECK_EVERY_MS = 2_000;

/**
 * Keeps every file moving without a click, whatever interrupted it:
 *
 * - A file whose bytes stop moving (a request that hangs, a retry that never
 *   went out) is restarted once the server is known to answer: its upload is
 *   stopped and started again, which asks the server for each piece's offset
 *   (HEAD) and continues from there.
 * - A file that failed with an error worth retrying is retried when the
 *   server answers again after an outage. One that keeps failing while the
 *   server answers (tus-js-client's attempts spent on 5xx), and one refused
 *   for good (a 4xx such as 413), stays failed, with its Retry button.
 *
 * Returns a function that stops watching.
 */
export function keepUploadsMoving(uppy: Uppy<Meta, Body>, watch: ConnectionWatch, stallMs = STALL_MS): () => void {
  /** When each uploading file's bytes last moved, and to where. */
  const moved = new Map<string, { bytes: number; at: number }>();
  /** Files that failed in a way worth retrying. */
  const retryable = new Set<string>();

  const onProgress = (file: UppyFile<Meta, Body> | undefined, progress: { bytesUploaded: number }) => {
    if (!file) return;
    watch.progressed();
    const last = moved.get(file.id);
    if (last === undefined || progress.bytesUploaded !== last.bytes) moved.set(file.id, { bytes: progress.bytesUploaded, at: Date.now() });
  };
  const onError = (file: UppyFile<Meta, Body> | undefined, error: unknown) => {
    if (!file) return;
    moved.delete(file.id);
    if (isRetryable(statusOf(error))) retryable.add(file.id);
  };
  const forget = (file: UppyFile<Meta, Body> | undefined) => {
    if (!file) return;
    moved.delete(file.id);
    retryable.delete(file.id);
  };
  const onRetry = (file: UppyFile<Meta, Body> | undefined) => {
    if (file) retryable.delete(file.id);
  };

  const retryFailed = () => {
    for (const id of [...retryable]) {
      const file = uppy.getFile(id);
      retryable.delete(id);
      if (file?.error) void uppy.retryUpload(id).catch(() => undefined);
    }
  };
  const unsubscribe = watch.subscribe((state) => {
    if (state.kind === 'resuming') retryFailed();
  });

  const check = () => {
    const now = Date.now();
    // While the server is out of reach, requests wait for it: that is not a stall.
    const waiting = watch.state.kind === 'lost';
    for (const file of uppy.getFiles()) {
      if (!isMoving(file)) {
        moved.delete(file.id);
        continue;
      }
      const last = moved.get(file.id);
      if (waiting || last === undefined) {
        moved.set(file.id, { bytes: file.progress.bytesUploaded || 0, at: now });
        continue;
      }
      if (now - last.at < stallMs) continue;
      uppy.log(`[recovery] ${file.name ?? file.id}: no bytes moved for ${Math.round((now - last.at) / 1000)} s, starting again`);
      moved.set(file.id, { bytes: last.bytes, at: now });
      restart(uppy, file.id);
    }
  };
  const timer = setInterval(check, CHECK_EVERY_MS);

  uppy.on('upload-progress', onProgress);
  uppy.on('upload-error', onError);
  uppy.on('upload-success', forget);
  uppy.on('file-removed', forget);
  uppy.on('upload-retry', onRetry);
  return () => {
    clearInterval(timer);
    unsubscribe();
    uppy.off('upload-progress', onProgress);
    uppy.off('upload-error', onError);
    uppy.off('upload-success', forget);
    uppy.off('file-removed', forget);
    uppy.off('upload-retry', onRetry);
  };
}

/**
 * Should be sending: started, not paused, not failed. A file sent in pieces
 * whose bytes are all sent is waiting for the server to join them, which
 * takes a while for a large file; starting it again would ask for a second
 * join, so it is left alone. (A file in one piece asked again learns from
 * HEAD that it is complete.)
 */
function isMoving(file: UppyFile<Meta, Body>): boolean {
  const { progress } = file;
  if (!progress.uploadStarted || progress.uploadComplete || file.isPaused || file.error) return false;
  const joining =
    (file.tus?.parallelUploads ?? 1) > 1 && progress.bytesTotal !== null && (progress.bytesUploaded || 0) >= progress.bytesTotal;
  return !joining;
}

/**
 * Stops the file's upload and starts it again at once: @uppy/tus aborts its
 * tus-js-client upload (every piece) and starts the same upload again, which
 * asks the server where each piece stands.
 */
function restart(uppy: Uppy<Meta, Body>, id: string): void {
  uppy.pauseResume(id);
  uppy.pauseResume(id);
}
