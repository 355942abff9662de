import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';

/** Part of the file is on the server, and removing it there cannot be undone. */
function hasBytesOnServer(file: UppyFile<Meta, Body>): boolean {
  return !file.progress.uploadComplete && (file.progress.bytesUploaded || 0) > 0;
}

/**
 * Asks once before the Dashboard cancels uploads that already have bytes on
 * the server: its remove button and its cancel button delete those bytes,
 * and a large upload lost on one stray click may be hours of sending.
 *
 * Uppy has no hook before a removal, so the two methods its Dashboard calls
 * (`removeFile` for one file, `cancelAll` for every file) are wrapped on this
 * instance. `ask` gets the names of the files concerned and says whether to
 * go on.
 *
 * Returns a function that puts the methods back.
 */
export function confirmDiscard(uppy: Uppy<Meta, Body>, ask: (names: string[]) => boolean): () => void {
  const { removeFile, cancelAll } = uppy;
  const nameOf = (file: UppyFile<Meta, Body>) => file.name ?? file.id;
  uppy.removeFile = (fileID: string) => {
    const file = uppy.getFile(fileID);
    if (file && hasBytesOnServer(file) && !ask([nameOf(file)])) return;
    removeFile.call(uppy, fileID);
  };
  uppy.cancelAll = () => {
    const started = uppy.getFiles().filter(hasBytesOnServer);
    if (started.length > 0 && !ask(started.map(nameOf))) return;
    cancelAll.call(uppy);
  };
  return () => {
    uppy.removeFile = removeFile;
    uppy.cancelAll = cancelAll;
  };
}
