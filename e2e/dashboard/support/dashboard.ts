import { expect, type Locator, type Page } from '@playwright/test';
import type { AppServer } from '../../support/app-server';
import { sha256OfDownload, sha256OfFile } from '../../support/files';

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

/**
 * Waits until Golden Retriever has saved what a reload needs: the file's
 * bytes (IndexedDB, only for files it keeps) and its recovery snapshot
 * naming the file and its tus upload URL. It saves both asynchronously
 * (the snapshot at most every 500 ms), so a reload before that would
 * test nothing.
 */
export async function waitForRecoverySnapshot(page: Page, fileName: string, options: { withBlob: boolean }): Promise<void> {
  await page.waitForFunction(
    async ({ fileName, withBlob }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('uppy-blobs');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const getAll = (store: string) =>
        new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      try {
        if (!db.objectStoreNames.contains('metadata')) return false;
        const snapshots = (await getAll('metadata')) as Array<{ metadata: string }>;
        const files = snapshots.flatMap(
          (record) =>
            Object.values((JSON.parse(record.metadata) as { files?: Record<string, unknown> }).files ?? {}) as Array<{
              id: string;
              name?: string;
              tus?: { uploadUrl?: string };
            }>,
        );
        const file = files.find((candidate) => candidate.name === fileName && candidate.tus?.uploadUrl);
        if (!file) return false;
        if (!withBlob) return true;
        const blobs = (await getAll('files')) as Array<{ fileID: string }>;
        return blobs.some((blob) => blob.fileID === file.id);
      } finally {
        db.close();
      }
    },
    { fileName, withBlob: options.withBlob },
    { polling: 200, timeout: 30_000 },
  );
}
