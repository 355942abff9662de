import Uppy, { type Body, type Meta } from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import Tus, { type TusDetailedError } from '@uppy/tus';
import { uploadLargeFilesInPieces, type PieceSettings } from './parallel-pieces';
import { settleFinishedRestores } from './settle-finished-restores';
import { terminateAbandonedUploads } from './terminate-abandoned-uploads';
import { uppyLocale } from './uppy-locale';
import type { Language } from '../i18n';

export interface UploaderSettings extends PieceSettings {
  /** The tus creation URL. Part of every stored fingerprint: changing it loses resumability. */
  endpoint: string;
  chunkSize: number;
  parallelFiles: number;
  maxSize: number;
  /** The server needs an upload token (UPLOAD_TOKEN_SECRET): fetch one from /api/upload-session first. */
  accessControl: boolean;
}

/** Uppy's id is part of each file id and each fingerprint: it must never change. */
const UPPY_ID = 'uploads';

/**
 * Waits between retries, long enough in total (about 2 minutes) to ride out a
 * server restart or a short network outage. tus-js-client starts again from
 * the first delay as soon as an attempt makes progress.
 */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 15000, 20000, 30000, 30000];

/**
 * A proxy in front of the app may close a long request with a 408 (our own
 * server has no request cap); the bytes that reached the server are kept, so
 * a 408 is worth retrying from the server's offset. tus-js-client treats every
 * 4xx but 409 and 423 as fatal.
 */
function shouldRetry(error: TusDetailedError, _attempt: number, _options: unknown, next: (e: TusDetailedError) => boolean): boolean {
  return error.originalResponse?.getStatus() === 408 || next(error);
}

/** Where the dashboard gets the visitor's upload token (app/api/upload-session/route.ts). */
const SESSION_ROUTE = '/api/upload-session';

/**
 * The visitor's upload token when the server needs one, else null. The route
 * also sets it as a cookie, which the uploads page and downloads use.
 */
export async function uploadToken(settings: UploaderSettings): Promise<string | null> {
  if (!settings.accessControl) return null;
  const response = await fetch(SESSION_ROUTE, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${SESSION_ROUTE} answered ${response.status}`);
  const { token } = (await response.json()) as { token: string | null };
  return token;
}

/**
 * @param token the upload token sent as `Authorization: Bearer` with every tus request, or null in open mode
 * @param keepFilesInWorker true when the file-keeping service worker controls
 *   the page (see file-keeper.ts): then files of any size survive a reload.
 */
export function createUppy(
  settings: UploaderSettings,
  language: Language,
  token: string | null,
  keepFilesInWorker: boolean,
): Uppy<Meta, Body> {
  const uppy = new Uppy<Meta, Body>({
    id: UPPY_ID,
    autoProceed: true,
    locale: uppyLocale(language),
    restrictions: { maxFileSize: settings.maxSize },
  })
    .use(Tus, {
      endpoint: settings.endpoint,
      ...(token !== null && { headers: { Authorization: `Bearer ${token}` } }),
      chunkSize: settings.chunkSize,
      limit: settings.parallelFiles,
      retryDelays: RETRY_DELAYS_MS,
      onShouldRetry: shouldRetry,
      // A finished file added again later is uploaded again, not "resumed" to an
      // instant success against a stale URL.
      removeFingerprintOnSuccess: true,
    })
    .use(GoldenRetriever, { serviceWorker: keepFilesInWorker });
  // Live as long as the instance: nothing to unsubscribe.
  uploadLargeFilesInPieces(uppy, settings);
  terminateAbandonedUploads(uppy, settings.endpoint);
  settleFinishedRestores(uppy, token);
  return uppy;
}
