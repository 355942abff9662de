import path from 'node:path';
import { AppServer } from '../support/app-server';
import { expect, test } from './support/fixtures';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard, stopServiceWorkers, waitForRecoverySnapshot } from './support/dashboard';

let app: AppServer;
test.beforeAll(async () => {
  app = await AppServer.start();
});
test.afterAll(async () => {
  await app?.dispose();
});

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
    const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
    const uploadId = post.createdId!;
    await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');
    await waitForRecoverySnapshot(page, name, { withBlob: size <= 10 * MiB });
    const loadBeforeReload = traffic.all().at(-1)!.pageLoad;

    if (restart) await stopServiceWorkers(page);
    await page.reload();
    await network.reapply();

    const head = await traffic.waitFor(
      (e) => e.method === 'HEAD' && e.uploadId === uploadId && e.pageLoad > loadBeforeReload && e.status !== null,
      60_000,
      'the resume HEAD after the reload',
    );
    expect(head.status).toBe(200);
    expect(head.responseOffset ?? 0, 'offset the server reports after the reload').toBeGreaterThan(0);
    const nextPatch = await traffic.waitFor(
      (e) => e.method === 'PATCH' && e.uploadId === uploadId && e.seq > head.seq,
      60_000,
      'the first PATCH after the resume HEAD',
    );
    expect(nextPatch.requestOffset, 'the resumed PATCH starts where the server stopped').toBe(head.responseOffset);

    await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 90_000, 'the upload to finish');
    await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);
    expect(traffic.posts(), `exactly one upload created\n${traffic.describe()}`).toHaveLength(1);
    expect(
      app.events.all().filter((e) => e.type === 'created'),
      'uploads the server created',
    ).toHaveLength(createdBefore + 1);
    await expectStoredCopy(app, uploadId, source);
  });
