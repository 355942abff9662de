import type { Body, Meta, Uppy } from '@uppy/core';
import { useUppyState } from '@uppy/react';
import { useEffect, useRef } from 'react';

/**
 * Resumes interrupted uploads without a click.
 *
 * Golden Retriever brings back, after a reload or a browser crash, the files
 * that were uploading; it keeps the bytes of small files only, and waits for
 * the user to confirm before it resumes. Here the restore is confirmed as
 * soon as every restored file has its bytes: at once when the browser kept
 * them, or when the user has re-selected the ones it could not keep. Each
 * upload then asks the server for its offset (HEAD) and continues from there.
 *
 * Returns the files still waiting to be re-selected.
 */
export function useAutoResume(uppy: Uppy<Meta, Body>): Array<{ id: string; name: string }> {
  const ghosts = useUppyState(uppy, (state) =>
    Object.values(state.files)
      .filter((file) => file.isGhost)
      .map((file) => ({ id: file.id, name: file.name ?? file.id })),
  );
  const awaitingRestore = useUppyState(uppy, (state) => state.recoveredState !== null);
  const confirmed = useRef(false);

  useEffect(() => {
    if (!awaitingRestore || ghosts.length > 0 || confirmed.current) return;
    confirmed.current = true;
    uppy.emit('restore-confirmed');
  }, [uppy, awaitingRestore, ghosts.length]);

  return ghosts;
}
