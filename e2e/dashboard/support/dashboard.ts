import { expect, type Locator, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import type { AppServer } from '../../support/app-server';
import { sha256OfDownload, sha256OfFile } from '../../support/files';
import { isPiece, type TusExchange, type TusTraffic } from './tus-traffic';

/** Uppy's own file input; it stays in the DOM (hidden) while the add-files panel shows. */
const FILE_INPUT = 'input.uppy-Dashboard-input[name="files[]"]';

export const MiB = 1024 * 1024;

/**
 * Opens the upload page and waits until the Dashboard (browser-only) is ready
 * for files. `site` is the server, or a relay in front of it.
 */
export async function openDashboard(page: Page, site: { baseUrl: string }): Promise<void> {
  await page.goto(`${site.baseUrl}/`);
  await expect(page.locator(FILE_INPUT).first()).toBeAttached();
}

/** Adds files as a user picking them in the Dashboard would; autoProceed starts the upload. */
export async function addFiles(page: Page, files: string[]): Promise<void> {
  await page.locator(FILE_INPUT).first().setInputFiles(files);
}

/** The Dashboard's row for one file. */
export function fileItem(page: Page, name: string): Locator {
  return page.locator('.uppy-Dashboard-Item').filter({ has: page.locator(`.uppy-Dashboard-Item-name[title="${name}"]`) });
}

/** The per-file pause/resume button (the progress circle). */
export function pauseResumeButton(page: Page, name: string): Locator {
  return fileItem(page, name).locator('button.uppy-Dashboard-Item-progressIndicator');
}

/** Asserts that the server serves exactly the source file's bytes for this upload. */
export async function expectStoredCopy(app: AppServer, uploadId: string, sourceFile: string): Promise<void> {
  const [stored, source] = await Promise.all([
    sha256OfDownload(`${app.endpoint}/${encodeURIComponent(uploadId)}`),
    sha256OfFile(sourceFile),
  ]);
  expect(stored, `sha256 of upload ${uploadId} against ${sourceFile}`).toBe(source);
}

/** A file as Golden Retriever's recovery snapshot (IndexedDB) describes it. */
export interface RecoverableFile {
  name: string;
  /** The upload's URL; null for a file sent in parallel pieces (theirs are in tus-js-client's resume entry). */
  uploadUrl: string | null;
  /** The pieces it is sent in (`file.tus.parallelUploads`), null when not decided yet. */
  pieces: number | null;
  /** Whether the browser kept the file's bytes (it does only up to 10 MiB). */
  hasBlob: boolean;
}

/** What a reload would bring back right now. */
export function recoverableFiles(page: Page): Promise<RecoverableFile[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('uppy-blobs');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const getAll = <T>(store: string) =>
      new Promise<T[]>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result as T[]);
        request.onerror = () => reject(request.error);
      });
    try {
      if (!db.objectStoreNames.contains('metadata') || !db.objectStoreNames.contains('files')) return [];
      const snapshots = await getAll<{ metadata: string }>('metadata');
      const blobIds = new Set((await getAll<{ fileID: string }>('files')).map((blob) => blob.fileID));
      return snapshots.flatMap((record) => {
        const files = (
          JSON.parse(record.metadata) as {
            files?: Record<string, { id: string; name?: string; tus?: { uploadUrl?: string; parallelUploads?: number } }>;
          }
        ).files;
        return Object.values(files ?? {}).map((file) => ({
          name: file.name ?? file.id,
          uploadUrl: file.tus?.uploadUrl ?? null,
          pieces: file.tus?.parallelUploads ?? null,
          hasBlob: blobIds.has(file.id),
        }));
      });
    } finally {
      db.close();
    }
  });
}

/**
 * Asserts that an upload was terminated: the server answered the browser's
 * DELETE with 204, logged the termination, and left neither the data nor the
 * `.json` info file (nor a temp file of it) in its folder.
 */
export async function expectUploadDeleted(app: AppServer, traffic: TusTraffic, uploadId: string): Promise<void> {
  const deleted = await app.events.waitFor(
    (e) => e.type === 'request' && e.method === 'DELETE' && e.id === uploadId,
    30_000,
    `the DELETE of upload ${uploadId}`,
  );
  expect(deleted.status).toBe(204);
  await app.events.waitFor((e) => e.type === 'terminated' && e.id === uploadId, 10_000, 'the termination event');
  const browserDelete = await traffic.waitFor(
    (e) => e.method === 'DELETE' && e.uploadId === uploadId && e.status !== null,
    10_000,
    "the DELETE's answer in the browser",
  );
  expect(browserDelete.status).toBe(204);
  const dataFile = path.join(app.uploadDir, uploadId);
  expect(fs.existsSync(dataFile), 'upload data left on disk').toBe(false);
  expect(fs.existsSync(`${dataFile}.json`), 'upload info file left on disk').toBe(false);
  expect(fs.readdirSync(app.uploadDir).filter((entry) => entry.startsWith(uploadId) || entry.startsWith(`.${uploadId}`))).toEqual([]);
}

/**
 * Waits until Golden Retriever has saved what a reload needs: the file with
 * its tus upload URL (for a file in parallel pieces, its number of pieces:
 * their URLs are in tus-js-client's resume entry, see savedPieceUrls), and its
 * bytes when it is small enough to keep. It saves asynchronously (the
 * snapshot at most every 500 ms), so a reload before that would test nothing.
 */
export async function waitForRecoverySnapshot(page: Page, fileName: string, options: { withBlob: boolean }): Promise<void> {
  await expect
    .poll(
      async () =>
        (await recoverableFiles(page)).some(
          (file) => file.name === fileName && (file.uploadUrl !== null || (file.pieces ?? 1) > 1) && (file.hasBlob || !options.withBlob),
        ),
      { timeout: 30_000, message: `Golden Retriever to save ${fileName}` },
    )
    .toBe(true);
}

/**
 * The piece URLs in tus-js-client's resume entries (localStorage), one list
 * per file sent in parallel pieces. tus-js-client saves a list only once every
 * piece has its URL; a reload before that starts the pieces again.
 */
export function savedPieceUrls(page: Page): Promise<string[][]> {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((key) => key.startsWith('tus::'))
      .flatMap((key) => {
        const entry = JSON.parse(localStorage.getItem(key) ?? 'null') as { parallelUploadUrls?: string[] } | null;
        return entry?.parallelUploadUrls ? [entry.parallelUploadUrls] : [];
      }),
  );
}

/** Waits until a removed file is gone from the snapshot too, so a reload will not bring it back. */
export async function waitForRemovalFromSnapshot(page: Page, fileName: string): Promise<void> {
  await expect
    .poll(async () => (await recoverableFiles(page)).map((file) => file.name), {
      timeout: 30_000,
      message: `Golden Retriever to forget ${fileName}`,
    })
    .not.toContain(fileName);
}

/**
 * Stops the page's service workers, as the browser does when it restarts,
 * crashes or reclaims an idle worker: the File references the dashboard's
 * worker held are gone, and only what IndexedDB kept (files up to 10 MiB)
 * survives the next load.
 */
export async function stopServiceWorkers(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
  } finally {
    await cdp.detach();
  }
}

/** Waits for the upload the dashboard creates next, and for the server to store its first bytes; returns its id. */
export async function waitForStoredBytes(app: AppServer, traffic: TusTraffic): Promise<string> {
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');
  return uploadId;
}

/**
 * The proof that an interrupted upload resumed rather than restarted: after
 * the interruption, a HEAD answered with the offset the server kept (> 0),
 * the next PATCH from exactly that offset, the upload complete in the
 * dashboard, one POST in all, and the stored bytes equal to the source's.
 */
export async function expectResumedFromServerOffset(
  page: Page,
  app: AppServer,
  traffic: TusTraffic,
  upload: { id: string; name: string; source: string; afterInterruption: (exchange: TusExchange) => boolean },
): Promise<void> {
  const head = await traffic.waitFor(
    (e) => e.method === 'HEAD' && e.uploadId === upload.id && e.status !== null && upload.afterInterruption(e),
    90_000,
    'the resume HEAD after the interruption',
  );
  expect(head.status).toBe(200);
  expect(head.responseOffset ?? 0, 'offset the server kept').toBeGreaterThan(0);
  const nextPatch = await traffic.waitFor(
    (e) => e.method === 'PATCH' && e.uploadId === upload.id && e.seq > head.seq,
    60_000,
    'the first PATCH after the resume HEAD',
  );
  expect(nextPatch.requestOffset, 'the resumed PATCH starts where the server stopped').toBe(head.responseOffset);

  await app.events.waitFor((e) => e.type === 'finished' && e.id === upload.id, 90_000, 'the upload to finish');
  await expect(fileItem(page, upload.name)).toHaveClass(/\bis-complete\b/);
  expect(traffic.posts(), `exactly one upload created\n${traffic.describe()}`).toHaveLength(1);
  await expectStoredCopy(app, upload.id, upload.source);
}

/** Waits until `count` pieces of a file sent in pieces are created and each has bytes on the server; their upload ids. */
export async function waitForStoredPieces(app: AppServer, traffic: TusTraffic, count: number): Promise<string[]> {
  const created = await traffic.waitForCount((e) => isPiece(e) && e.createdId !== null, count, 60_000, 'the pieces');
  const pieceIds = created.map((e) => e.createdId!);
  for (const id of pieceIds) {
    await app.events.waitFor((e) => e.type === 'progress' && e.id === id && (e.offset ?? 0) > 0, 60_000, `bytes of piece ${id}`);
  }
  return pieceIds;
}
