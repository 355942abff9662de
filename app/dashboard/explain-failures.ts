import type { Body, Meta, Uppy, UppyFile } from '@uppy/core';
import { formatBytes, messages, type Language } from '../i18n';
import { statusOf } from './retry-policy';

/**
 * Says why a file failed in a short sentence of the page's language, not in
 * tus-js-client's words ("tus: unexpected response while uploading chunk …
 * (method: PATCH, url: …)"). The technical text stays one click away: Uppy's
 * notice keeps it as the error's details.
 *
 * A file over the size limit is not dropped with a passing notice, as Uppy's
 * own restriction does: it stays in the list, failed, with the limit as its
 * reason, and is never sent.
 *
 * Returns a function that stops explaining.
 */
export function explainFailures(uppy: Uppy<Meta, Body>, language: Language, maxSize: number): () => void {
  const t = messages(language);
  const onError = (file: UppyFile<Meta, Body> | undefined, error: unknown) => {
    if (file) uppy.setFileState(file.id, { error: t.failure(statusOf(error), formatBytes(maxSize)) });
  };
  const tooLarge = (file: UppyFile<Meta, Body> | undefined) => file?.size != null && file.size > maxSize;
  const refuse = (file: UppyFile<Meta, Body>) => {
    const reason = t.tooLarge(formatBytes(maxSize));
    // Failed before it started: @uppy/tus never sends a file with an error, and the status bar shows it failed.
    uppy.setFileState(file.id, { error: reason, progress: { ...file.progress, uploadStarted: Date.now(), bytesUploaded: 0 } });
    uppy.setState({ error: reason });
  };
  const onAdded = (file: UppyFile<Meta, Body>) => {
    if (tooLarge(file) && !file.progress.uploadStarted) refuse(file);
  };
  // Uppy retries every failed file when an upload starts (autoProceed starts one for each file added):
  // a file that cannot fit is failed again before the retry reaches the uploader.
  const onRetry = (file: UppyFile<Meta, Body> | undefined) => {
    if (file && tooLarge(file)) refuse(file);
  };
  const onRetryAll = (files: Array<UppyFile<Meta, Body>>) => files.filter(tooLarge).forEach(refuse);
  uppy.on('upload-error', onError);
  uppy.on('file-added', onAdded);
  uppy.on('upload-retry', onRetry);
  uppy.on('retry-all', onRetryAll);
  return () => {
    uppy.off('upload-error', onError);
    uppy.off('file-added', onAdded);
    uppy.off('upload-retry', onRetry);
    uppy.off('retry-all', onRetryAll);
  };
}
