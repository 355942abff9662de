import type { Locator, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard, pauseResumeButton } from './support/dashboard';
import { expect, test, type SourceFiles } from './support/fixtures';
import type { PageNetwork } from './support/network';
import type { TusTraffic } from './support/tus-traffic';

/**
 * How long a paused upload is watched for movement. At the throttled rate
 * a running upload would store about 1.5 MiB and log a dozen progress
 * events in this time; a paused one must do neither.
 */
const PAUSED_WATCH_MS = 3_000;
const THROTTLE_BYTES_PER_SECOND = 512 * 1024;

const app = serverForThisFile();

test("the file's own pause button stops every byte, and resume continues from the server offset", async ({
  page,
  sources,
  traffic,
  network,
}) => {
  await pauseAndResume(page, sources, traffic, network, 'pause-file.bin', {
    pause: async (name) => {
      const button = pauseResumeButton(page, name);
      await expect(button).toHaveAttribute('aria-label', 'Pause upload');
      await button.click();
      await expect(button).toHaveAttribute('aria-label', 'Resume upload');
    },
    resume: async (name) => {
      await pauseResumeButton(page, name).click();
      await expect(pauseResumeButton(page, name)).toHaveAttribute('aria-label', 'Pause upload');
    },
  });
});

test("the status bar's pause-all stops every byte, and resume-all continues from the server offset", async ({
  page,
  sources,
  traffic,
  network,
}) => {
  const statusBarToggle = (): Locator => page.locator('.uppy-StatusBar button[data-cy="togglePauseResume"]');
  await pauseAndResume(page, sources, traffic, network, 'pause-all.bin', {
    pause: async () => {
      await expect(statusBarToggle()).toHaveAttribute('aria-label', 'Pause');
      await statusBarToggle().click();
      await expect(statusBarToggle()).toHaveAttribute('aria-label', 'Resume');
    },
    resume: async () => {
      await statusBarToggle().click();
      await expect(statusBarToggle()).toHaveAttribute('aria-label', 'Pause');
    },
  });
});

async function pauseAndResume(
  page: Page,
  sources: SourceFiles,
  traffic: TusTraffic,
  network: PageNetwork,
  fileName: string,
  controls: { pause: (name: string) => Promise<void>; resume: (name: string) => Promise<void> },
): Promise<void> {
  const source = sources.random(fileName, 8 * MiB + 9);
  const name = path.basename(source);
  await network.throttleUpload(THROTTLE_BYTES_PER_SECOND);
  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  const dataFile = path.join(app.uploadDir, uploadId);
  await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');

  await controls.pause(name);
  // Pausing aborts the running PATCH; the server answers it once it notices.
  const aborted = await traffic.waitFor(
    (e) => e.method === 'PATCH' && e.uploadId === uploadId && e.failed,
    30_000,
    'the PATCH to be aborted',
  );
  await app.events.waitFor(
    (e) => e.type === 'request' && e.method === 'PATCH' && e.id === uploadId,
    30_000,
    'the server to finish with the aborted PATCH',
  );

  const sizeWhenPaused = fs.statSync(dataFile).size;
  const eventsWhenPaused = app.events.all().length;
  const requestsWhenPaused = traffic.all().length;
  expect(sizeWhenPaused).toBeGreaterThan(0);
  // Proving that nothing happens takes watching for a while: no event can say so.
  await new Promise((resolve) => setTimeout(resolve, PAUSED_WATCH_MS));
  expect(traffic.all().slice(requestsWhenPaused), 'requests sent while paused').toEqual([]);
  // A progress report may trail the aborted PATCH by up to its 250 ms interval; it must not report new bytes.
  const movedWhilePaused = app.events
    .all()
    .slice(eventsWhenPaused)
    .filter((e) => e.type !== 'progress' || (e.offset ?? 0) > sizeWhenPaused);
  expect(movedWhilePaused, 'server events while paused').toEqual([]);
  expect(fs.statSync(dataFile).size, 'bytes stored while paused').toBe(sizeWhenPaused);
  await expect(fileItem(page, name)).not.toHaveClass(/\bis-complete\b/);

  await controls.resume(name);
  const resumed = await traffic.waitFor(
    (e) => e.method === 'PATCH' && e.uploadId === uploadId && e.seq > aborted.seq,
    30_000,
    'a PATCH after resuming',
  );
  expect(resumed.requestOffset, 'the resumed PATCH starts where the server stopped').toBe(sizeWhenPaused);

  await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 90_000, 'the upload to finish');
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);
  expect(traffic.posts(), `exactly one upload created\n${traffic.describe()}`).toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
}
