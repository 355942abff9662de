import type { Page } from '@playwright/test';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { TcpProxy } from '../support/tcp-proxy';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard } from './support/dashboard';
import { expect, test, type SourceFiles } from './support/fixtures';
import type { PageNetwork } from './support/network';
import type { TusExchange, TusTraffic } from './support/tus-traffic';

/** Small PATCHes: several are acknowledged before the cut, so "not sent again" can be checked. */
const CHUNK_SIZE = MiB;

const app = serverForThisFile({ env: { UPLOAD_CHUNK_SIZE: String(CHUNK_SIZE) } });

test('offline (DevTools) mid-upload, then online: the upload finishes and acknowledged bytes are not sent again', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  const result = await uploadThroughACut(page, sources, traffic, network, app, 'offline.bin', {
    cut: () => network.goOffline(),
    restore: () => network.goOnline(),
  });
  expect(result.resumeOffset).toBeGreaterThanOrEqual(result.lastAcknowledged);
});

test('every connection reset mid-PATCH, then restored: the upload continues from the bytes the server kept', async ({
  page,
  sources,
  traffic,
  network,
}) => {
  const relay = await TcpProxy.start(app.port);
  try {
    const result = await uploadThroughACut(page, sources, traffic, network, relay, 'reset.bin', {
      cut: async () => relay.cut(),
      restore: async () => relay.restore(),
    });
    // The cut PATCH delivered part of its chunk, and the server kept it: the
    // client continues from there instead of sending those bytes again.
    expect(result.resumeOffset).toBeGreaterThan(result.lastAcknowledged);
    expect(result.resumeOffset % CHUNK_SIZE).not.toBe(0);
  } finally {
    await relay.close();
  }
});

interface CutOutcome {
  /** The highest offset a PATCH response had confirmed to the browser when the network was cut. */
  lastAcknowledged: number;
  /** Where the client went on from: the server's answer to HEAD, or the last acknowledged offset when no PATCH was cut mid-body. */
  resumeOffset: number;
}

/**
 * Uploads a file in 1 MiB PATCHes, cuts the network while a PATCH is on the
 * wire (after at least one was acknowledged), restores it once the page says
 * the connection is lost, and checks that the upload finished byte-exact
 * without one PATCH starting below an acknowledged offset.
 */
async function uploadThroughACut(
  page: Page,
  sources: SourceFiles,
  traffic: TusTraffic,
  network: PageNetwork,
  site: { baseUrl: string },
  fileName: string,
  outage: { cut: () => Promise<void>; restore: () => Promise<void> },
): Promise<CutOutcome> {
  const source = sources.random(fileName, 6 * MiB + 11);
  const name = path.basename(source);
  await network.throttleUpload(512 * 1024);

  await openDashboard(page, site);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;

  await traffic.waitFor(
    (e) => e.method === 'PATCH' && e.uploadId === uploadId && e.status === 204 && (e.responseOffset ?? 0) > 0,
    60_000,
    'a first acknowledged PATCH',
  );
  // The server holds bytes beyond the last acknowledged offset, short of a
  // chunk boundary: a PATCH is sending, not ending.
  await app.events.waitFor(
    (e) =>
      e.type === 'progress' &&
      e.id === uploadId &&
      (e.offset ?? 0) > acknowledgedOffset(traffic.all()) &&
      (e.offset ?? 0) % CHUNK_SIZE !== 0,
    30_000,
    'bytes of an unacknowledged PATCH to reach the server',
  );
  await outage.cut();
  const cutAt = traffic.all().at(-1)!.seq;
  // The page notices, says so, and holds its next requests until the server answers again.
  await expect(page.getByTestId('connection')).toHaveText(/^Connection lost — /, { timeout: 30_000 });
  // Every answer the browser could have seen for requests sent before the cut (one on the wire may still end either way).
  await expect
    .poll(() => traffic.all().filter((e) => e.seq <= cutAt && e.status === null && !e.failed), {
      message: 'requests sent before the cut to end',
    })
    .toEqual([]);
  const lastAcknowledged = acknowledgedOffset(traffic.all().filter((e) => e.seq <= cutAt));
  expect(lastAcknowledged).toBeGreaterThan(0);
  await outage.restore();

  // After a PATCH cut mid-body the client asks the server for its offset (HEAD); after one that ended, it goes on from the answer.
  const next = await traffic.waitFor(
    (e) => e.uploadId === uploadId && e.seq > cutAt && (e.method === 'HEAD' || e.method === 'PATCH') && e.status !== null,
    90_000,
    'the first request of the upload after the cut',
  );
  const resumeOffset = next.method === 'HEAD' ? next.responseOffset : lastAcknowledged;
  await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 90_000, 'the upload to finish');
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);

  const patchesAfterCut = traffic.forUpload(uploadId).filter((e) => e.method === 'PATCH' && e.seq > cutAt);
  expect(patchesAfterCut.length, `the upload went on after the cut\n${traffic.describe()}`).toBeGreaterThan(0);
  expect(patchesAfterCut[0].requestOffset, 'the first PATCH after the cut starts at the server offset').toBe(resumeOffset);
  for (const patch of patchesAfterCut) {
    expect(patch.requestOffset, `PATCH #${patch.seq} sends acknowledged bytes again\n${traffic.describe()}`).toBeGreaterThanOrEqual(
      lastAcknowledged,
    );
  }
  expect(traffic.posts(), `exactly one upload created\n${traffic.describe()}`).toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
  return { lastAcknowledged, resumeOffset: resumeOffset ?? 0 };
}

/** The highest offset a PATCH response confirmed. */
function acknowledgedOffset(exchanges: TusExchange[]): number {
  return Math.max(0, ...exchanges.filter((e) => e.method === 'PATCH' && e.status === 204).map((e) => e.responseOffset ?? 0));
}
