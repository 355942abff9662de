import path from 'node:path';
import { AppServer } from '../support/app-server';
import { test } from './support/fixtures';
import { addFiles, expectResumedFromServerOffset, MiB, openDashboard, waitForStoredBytes } from './support/dashboard';

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
  const uploadId = await waitForStoredBytes(app, traffic);

  await app.kill();
  const lastBeforeCrash = traffic.all().at(-1)!.seq;
  await traffic.waitFor((e) => e.method === 'PATCH' && e.failed, 30_000, 'the running PATCH to fail with the server gone');
  await app.launch();
  await network.unthrottle();

  await expectResumedFromServerOffset(page, app, traffic, {
    id: uploadId,
    name,
    source,
    afterInterruption: (e) => e.seq > lastBeforeCrash,
  });
});
