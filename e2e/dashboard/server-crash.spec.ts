import path from 'node:path';
import { AppServer } from '../support/app-server';
import { expect, test } from './support/fixtures';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard } from './support/dashboard';

let app: AppServer;
// A server per test: the test kills and restarts it.
test.beforeEach(async () => {
  app = await AppServer.start();
});
test.afterEach(async () => {
  await app?.dispose();
});

test('an upload survives a server crash (SIGKILL) and restart by retrying on its own', async ({ page, sources, traffic, network }) => {
  const source = sources.random('crash.bin', 12 * MiB + 5);
  const name = path.basename(source);
  await network.throttleUpload(1024 * 1024);

  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  await app.events.waitFor((e) => e.type === 'progress' && e.id === uploadId && (e.offset ?? 0) > 0, 60_000, 'first stored bytes');

  await app.kill();
  const lastBeforeCrash = traffic.all().at(-1)!.seq;
  await traffic.waitFor((e) => e.method === 'PATCH' && e.failed, 30_000, 'the running PATCH to fail with the server gone');
  await app.launch();
  await network.unthrottle();

  const head = await traffic.waitFor(
    (e) => e.method === 'HEAD' && e.uploadId === uploadId && e.seq > lastBeforeCrash && e.status !== null,
    90_000,
    'a HEAD answered by the restarted server',
  );
  expect(head.status).toBe(200);
  expect(head.responseOffset ?? 0, 'bytes stored before the crash are kept').toBeGreaterThan(0);
  const nextPatch = await traffic.waitFor(
    (e) => e.method === 'PATCH' && e.uploadId === uploadId && e.seq > head.seq,
    30_000,
    'the PATCH after the resume HEAD',
  );
  expect(nextPatch.requestOffset).toBe(head.responseOffset);

  await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 90_000, 'the upload to finish');
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);
  expect(traffic.posts(), `exactly one upload created\n${traffic.describe()}`).toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
});
