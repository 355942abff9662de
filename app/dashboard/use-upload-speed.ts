import type { Body, Meta, Uppy } from '@uppy/core';
import { useEffect, useState } from 'react';

/** Speed is averaged over this window: long enough to be steady, short enough to follow a change. */
const WINDOW_MS = 3000;
const SAMPLE_EVERY_MS = 500;

/**
 * Bytes per second sent across all files, or null when nothing is uploading.
 *
 * Counts only bytes that move: a file's first progress report (which may
 * start at the server's offset after a resume) sets its baseline.
 */
export function useUploadSpeed(uppy: Uppy<Meta, Body>): number | null {
  const [speed, setSpeed] = useState<number | null>(null);

  useEffect(() => {
    const lastBytes = new Map<string, number>();
    let sent = 0;
    const samples: Array<{ at: number; sent: number }> = [];

    const onProgress = (file: { id: string } | undefined, progress: { bytesUploaded: number }) => {
      if (!file) return;
      const previous = lastBytes.get(file.id);
      if (previous !== undefined && progress.bytesUploaded > previous) sent += progress.bytesUploaded - previous;
      lastBytes.set(file.id, progress.bytesUploaded);
    };
    const forget = (file: { id: string } | undefined) => {
      if (file) lastBytes.delete(file.id);
    };
    uppy.on('upload-progress', onProgress);
    uppy.on('upload-retry', forget);
    uppy.on('upload-success', forget);

    const timer = setInterval(() => {
      const now = performance.now();
      samples.push({ at: now, sent });
      while (samples.length > 1 && now - samples[0].at > WINDOW_MS) samples.shift();
      const uploading = uppy.getFiles().some((f) => f.progress.uploadStarted && !f.progress.uploadComplete && !f.isPaused && !f.error);
      const first = samples[0];
      const elapsed = (now - first.at) / 1000;
      setSpeed(uploading && elapsed > 0 ? (sent - first.sent) / elapsed : null);
    }, SAMPLE_EVERY_MS);

    return () => {
      clearInterval(timer);
      uppy.off('upload-progress', onProgress);
      uppy.off('upload-retry', forget);
      uppy.off('upload-success', forget);
    };
  }, [uppy]);

  return speed;
}
