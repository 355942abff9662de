import type { Body, Meta, Uppy } from '@uppy/core';
import { useEffect, useState } from 'react';

/** Speed is averaged over this window: long enough to be steady, short enough to follow a change. */
const WINDOW_MS = 3000;
const SAMPLE_EVERY_MS = 500;
/** Time left is shown only once the window holds this much of a flowing upload. */
const TRUSTED_AFTER_MS = 2000;

export interface Transfer {
  /** Bytes per second across all files, over the last few seconds; null when nothing is uploading. */
  speed: number | null;
  /** Seconds until every started file is sent at that speed; 'calculating' until the speed can be trusted; null when idle. */
  secondsLeft: number | 'calculating' | null;
}

/**
 * The upload's speed and time left, from the bytes sent in the last few
 * seconds, never from the start of the upload: a resume, a reload or an
 * outage does not skew them.
 *
 * Counts only bytes that move: a file's first progress report (which may
 * start at the server's offset after a resume) sets its baseline, and after
 * a restart its bytes count again only past the highest point they reached.
 */
export function useUploadSpeed(uppy: Uppy<Meta, Body>, serverUnreachable: boolean): Transfer {
  const [transfer, setTransfer] = useState<Transfer>({ speed: null, secondsLeft: null });

  useEffect(() => {
    const highest = new Map<string, number>();
    let sent = 0;
    let samples: Array<{ at: number; sent: number }> = [];
    let lastSent = 0;
    let movedAt = performance.now();

    const onProgress = (file: { id: string } | undefined, progress: { bytesUploaded: number }) => {
      if (!file) return;
      const previous = highest.get(file.id);
      if (previous !== undefined && progress.bytesUploaded > previous) sent += progress.bytesUploaded - previous;
      if (previous === undefined || progress.bytesUploaded > previous) highest.set(file.id, progress.bytesUploaded);
    };
    const forget = (file: { id: string } | undefined) => {
      if (file) highest.delete(file.id);
    };
    uppy.on('upload-progress', onProgress);
    uppy.on('upload-success', forget);
    uppy.on('file-removed', forget);

    const timer = setInterval(() => {
      const now = performance.now();
      const files = uppy.getFiles().filter((f) => f.progress.uploadStarted && !f.progress.uploadComplete && !f.isPaused && !f.error);
      if (files.length === 0) {
        samples = [];
        setTransfer({ speed: null, secondsLeft: null });
        return;
      }
      // The rate starts again once the server can be reached. Until then nothing moves, also for files
      // lost before their first sample (which would otherwise still read "idle").
      if (serverUnreachable) {
        samples = [];
        setTransfer({ speed: 0, secondsLeft: null });
        return;
      }
      if (sent !== lastSent) {
        lastSent = sent;
        movedAt = now;
      }
      // Bytes stopped (an outage, a restart): the rate starts again from when they move again.
      if (now - movedAt >= WINDOW_MS) samples = [];
      samples.push({ at: now, sent });
      while (samples.length > 1 && now - samples[0].at > WINDOW_MS) samples.shift();
      const first = samples[0];
      const elapsedMs = now - first.at;
      const speed = elapsedMs > 0 ? ((sent - first.sent) * 1000) / elapsedMs : 0;
      const remaining = files.reduce((sum, f) => sum + Math.max(0, (f.progress.bytesTotal ?? 0) - (f.progress.bytesUploaded || 0)), 0);
      const trusted = elapsedMs >= TRUSTED_AFTER_MS && speed > 0;
      setTransfer({ speed, secondsLeft: trusted ? remaining / speed : 'calculating' });
    }, SAMPLE_EVERY_MS);

    return () => {
      clearInterval(timer);
      uppy.off('upload-progress', onProgress);
      uppy.off('upload-success', forget);
      uppy.off('file-removed', forget);
    };
  }, [uppy, serverUnreachable]);

  // From the moment the connection is lost, not at the next sample: nothing moves, and no time can be promised.
  return serverUnreachable && transfer.speed !== null ? { speed: 0, secondsLeft: null } : transfer;
}
