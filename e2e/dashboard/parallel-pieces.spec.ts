import type { Page } from '@playwright/test';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import {
  addFiles,
  expectStoredCopy,
  expectUploadDeleted,
  fileItem,
  MiB,
  openDashboard,
  savedPieceUrls,
  waitForRecoverySnapshot,
  waitForStoredPieces,
} from './support/dashboard';
import { expect, test } from './support/fixtures';
import { isFinal, isPiece, type TusExchange, type TusTraffic } from './support/tus-traffic';

// Files of at least UPLOAD_PARALLEL_MIN_SIZE go up as UPLOAD_PARALLEL_PARTS
// tus partial uploads (`Upload-Concat: partial`) that a final upload
// (`Upload-Concat: final;<urls>`) joins; smaller files, and every file when
// the server does not offer concatenation, go in one piece.

const PIECES = 4;
const MIN_SIZE = 16 * MiB;

const app = serverForThisFile({
  env: {
    UPLOAD_PARALLEL_PARTS: String(PIECES),
    UPLOAD_PARALLEL_MIN_SIZE: String(MIN_SIZE),
    // A 24 MiB piece takes three PATCHes: the reload cuts one of them, not a piece's only one.
    UPLOAD_CHUNK_SIZE: '8MiB',
  },
});

test('a large file uploads in 4 parallel pieces; after a reload mid-upload every piece resumes from its server offset without a click', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  test.setTimeout(240_000);
  const size = 96 * MiB + 7;
  const source = sources.random('in-pieces.bin', size);
  const name = path.basename(source);
  // Slow enough that the reload comes while every piece is partly stored.
  await network.throttleUpload(2 * MiB);

  await openDashboard(page, app);
  await addFiles(page, [source]);
  const pieceIds = await waitForStoredPieces(app, traffic, PIECES);
  // What a reload needs: the file in Golden Retriever's snapshot, the pieces' URLs in tus-js-client's resume entry.
  await waitForRecoverySnapshot(page, name, { withBlob: false });
  await expect.poll(() => savedPieceUrls(page), { message: 'the resume entry with every piece' }).toHaveLength(1);
  const [pieceUrls] = await savedPieceUrls(page);
  expect(pieceUrls.map(idOf).sort()).toEqual([...pieceIds].sort());
  const loadBeforeReload = traffic.all().at(-1)!.pageLoad;
  expect(finishedPieces(pieceIds), 'pieces complete before the reload').toEqual([]);

  await page.reload();
  await network.unthrottle();

  for (const id of pieceIds) await expectPieceResumed(traffic, id, loadBeforeReload);
  const final = await traffic.waitFor((e) => isFinal(e) && e.status !== null, 120_000, 'the final upload');
  expect(final.status).toBe(201);
  expect(final.concat, 'the final joins the pieces, in file order').toBe(`final;${pieceUrls.join(' ')}`);
  const finalId = final.createdId!;
  await app.events.waitFor((e) => e.type === 'finished' && e.id === finalId, 60_000, 'the final upload to be assembled');
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);

  const posts = traffic.posts();
  expect(posts.filter(isPiece), `pieces created\n${traffic.describe()}`).toHaveLength(PIECES);
  expect(
    posts.filter((e) => !isPiece(e) && !isFinal(e)),
    'uploads created in one piece',
  ).toEqual([]);
  expect(posts.filter(isFinal), 'final uploads').toHaveLength(1);
  expect(await progressOf(page, name), 'progress at the end').toEqual({ bytesUploaded: size, bytesTotal: size, percentage: 100 });
  await expectStoredCopy(app, finalId, source);
});

test('a file below UPLOAD_PARALLEL_MIN_SIZE uploads in one piece', async ({ page, sources, traffic }) => {
  const source = sources.random('small.bin', 3 * MiB + 1);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  await expectUploadedInOnePiece(page, traffic, source);
});

test('a large file uploads in one piece when the server does not offer concatenation', async ({ page, sources, traffic }) => {
  // The server's discovery answer, without concatenation (as @tus/server alone, or an older version of this one, answers).
  let asked = 0;
  await page.route('**/api/upload', async (route) => {
    if (route.request().method() !== 'OPTIONS') return route.fallback();
    asked += 1;
    const response = await route.fetch();
    const extensions = (response.headers()['tus-extension'] ?? '')
      .split(',')
      .filter((extension) => !extension.trim().startsWith('concatenation'))
      .join(',');
    await route.fulfill({ response, headers: { ...response.headers(), 'tus-extension': extensions } });
  });
  const source = sources.random('large-whole.bin', MIN_SIZE + 1);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  await expectUploadedInOnePiece(page, traffic, source);
  expect(asked, 'OPTIONS requests (the dashboard asks once)').toBe(1);
});

test('removing a file mid-upload in pieces deletes every piece on the server and forgets their resume entry', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  const source = sources.random('removed-pieces.bin', 2 * MIN_SIZE);
  await network.throttleUpload(2 * MiB);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const pieceIds = (await traffic.waitForCount((e) => isPiece(e) && e.createdId !== null, PIECES, 60_000, 'the pieces')).map(
    (e) => e.createdId!,
  );
  await expect.poll(() => savedPieceUrls(page), { message: 'the resume entry with every piece' }).toHaveLength(1);

  // Once bytes are on the server the page asks before deleting them.
  page.on('dialog', (dialog) => void dialog.accept());
  await fileItem(page, path.basename(source)).locator('button.uppy-Dashboard-Item-action--remove').click();
  await expect(fileItem(page, path.basename(source))).toHaveCount(0);

  for (const id of pieceIds) await expectUploadDeleted(app, traffic, id);
  expect(await savedPieceUrls(page), 'resume entries left').toEqual([]);
});

async function expectUploadedInOnePiece(page: Page, traffic: TusTraffic, source: string): Promise<void> {
  await expect(fileItem(page, path.basename(source))).toHaveClass(/\bis-complete\b/, { timeout: 60_000 });
  const posts = traffic.posts();
  expect(posts, traffic.describe()).toHaveLength(1);
  expect(posts[0].concat, 'Upload-Concat of the creation').toBeNull();
  await expectStoredCopy(app, posts[0].createdId!, source);
}

/**
 * After the reload the piece asks the server for its offset (HEAD) and gets
 * the bytes it had stored (> 0), then continues from exactly there; it is
 * never sent again from 0.
 */
async function expectPieceResumed(traffic: TusTraffic, id: string, loadBeforeReload: number): Promise<void> {
  const afterReload = (e: TusExchange) => e.uploadId === id && e.pageLoad > loadBeforeReload;
  const head = await traffic.waitFor((e) => afterReload(e) && e.method === 'HEAD' && e.status !== null, 90_000, `the HEAD of piece ${id}`);
  expect(head.status).toBe(200);
  expect(head.responseOffset ?? 0, `offset piece ${id} had stored`).toBeGreaterThan(0);
  const patch = await traffic.waitFor((e) => afterReload(e) && e.method === 'PATCH' && e.seq > head.seq, 90_000, `a PATCH of piece ${id}`);
  expect(patch.requestOffset, `piece ${id} continues where the server stopped`).toBe(head.responseOffset);
  const fromZero = traffic.forUpload(id).filter((e) => e.method === 'PATCH' && e.pageLoad > loadBeforeReload && e.requestOffset === 0);
  expect(fromZero, `PATCHes of piece ${id} from offset 0 after the reload`).toEqual([]);
}

function finishedPieces(pieceIds: string[]): string[] {
  return app.events
    .all()
    .filter((e) => e.type === 'finished' && e.id !== null && pieceIds.includes(e.id))
    .map((e) => e.id!);
}

function progressOf(page: Page, name: string) {
  return page.evaluate((fileName) => {
    const { uppy } = window as unknown as {
      uppy: {
        getFiles(): Array<{ name?: string; progress: { bytesUploaded: number | false; bytesTotal: number | null; percentage?: number } }>;
      };
    };
    const file = uppy.getFiles().find((candidate) => candidate.name === fileName);
    return (
      file && { bytesUploaded: file.progress.bytesUploaded, bytesTotal: file.progress.bytesTotal, percentage: file.progress.percentage }
    );
  }, name);
}

/** The upload id at the end of an upload URL, absolute or not. */
function idOf(url: string): string {
  return url.split('/').at(-1)!;
}
