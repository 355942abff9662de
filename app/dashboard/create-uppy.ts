import Uppy, { type Body, type Meta } from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import Tus from '@uppy/tus';
import { ConnectionWatch } from './connection';
import { keepFailedFilesVisible } from './keep-failed-files-visible';
import { uploadLargeFilesInPieces, type PieceSettings } from './parallel-pieces';
import { keepUploadsMoving } from './recovery';
import { retryHooks } from './retry-policy';
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
  /** How long an unfinished upload is kept after its last bytes; null = until removed. Shown, not enforced, here. */
  expiresAfterMs: number | null;
  /** The server needs an upload token (UPLOAD_TOKEN_SECRET): fetch one from /api/upload-session first. */
  accessControl: boolean;
}

/** Uppy's id is part of each file id and each fingerprint: it must never change. */
const UPPY_ID = 'uploads';

/**
 * Waits between retries of a request the server answered with an error worth
 * retrying (about 2 minutes in all). An outage costs no attempt: retries wait
 * until the server answers again (retry-policy.ts). tus-js-client starts again
 * from the first delay as soon as an attempt makes progress.
 */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 15000, 20000, 30000, 30000];

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
): { uppy: Uppy<Meta, Body>; connection: ConnectionWatch } {
  const connection = new ConnectionWatch(settings.endpoint);
  const uppy = new Uppy<Meta, Body>({
    id: UPPY_ID,
    autoProceed: true,
    locale: uppyLocale(language),
    // No maxFileSize: a file over the limit stays in the list with its reason (explain-failures.ts).
  })
    .use(Tus, {
      endpoint: settings.endpoint,
      ...(token !== null && { headers: { Authorization: `Bearer ${token}` } }),
      chunkSize: settings.chunkSize,
      limit: settings.parallelFiles,
      retryDelays: RETRY_DELAYS_MS,
      ...retryHooks(connection),
      // A finished file added again later is uploaded again, not "resumed" to an
      // instant success against a stale URL.
      removeFingerprintOnSuccess: true,
    })
    .use(GoldenRetriever, { serviceWorker: keepFilesInWorker });
  // Live as long as the instance: nothing to unsubscribe.
  uploadLargeFilesInPieces(uppy, settings);
  terminateAbandonedUploads(uppy, settings.endpoint);
  settleFinishedRestores(uppy, token);
  keepUploadsMoving(uppy, connection);
  keepFailedFilesVisible(uppy);
  return { uppy, connection };
}
