import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { expect, test } from './support/fixtures';
import {
  addFiles,
  expectResumedFromServerOffset,
  MiB,
  openDashboard,
  stopServiceWorkers,
  waitForRecoverySnapshot,
  waitForStoredBytes,
} from './support/dashboard';

const app = serverForThisFile();

const CASES = [
  // The service worker keeps a reference to a file of any size for as long as the browser runs.
  { title: 'a reload mid-upload resumes a large file from the server offset without a click', size: 24 * MiB + 3, restart: false },
  // IndexedDB keeps copies of files up to 10 MiB, which survive the worker (a browser restart or crash).
  { title: 'a browser restart mid-upload resumes a small file from the server offset without a click', size: 8 * MiB + 3, restart: true },
];

for (const { title, size, restart } of CASES)
  test(title, async ({ page, sources, traffic, network }) => {
    const source = sources.random('reload-me.bin', size);
    const name = path.basename(source);
    await network.throttleUpload(512 * 1024);

    const createdBefore = app.events.all().filter((e) => e.type === 'created').length;
    await openDashboard(page, app);
    await addFiles(page, [source]);
    const uploadId = await waitForStoredBytes(app, traffic);
    await waitForRecoverySnapshot(page, name, { withBlob: size <= 10 * MiB });
    const loadBeforeReload = traffic.all().at(-1)!.pageLoad;

    if (restart) await stopServiceWorkers(page);
    await page.reload();
    await network.reapply();

    await expectResumedFromServerOffset(page, app, traffic, {
      id: uploadId,
      name,
      source,
      afterInterruption: (e) => e.pageLoad > loadBeforeReload,
    });
    expect(
      app.events.all().filter((e) => e.type === 'created'),
      'uploads the server created',
    ).toHaveLength(createdBefore + 1);
  });
