import type { Route } from '@playwright/test';
import path from 'node:path';
import { serverForThisFile } from '../support/app-server';
import { addFiles, expectStoredCopy, fileItem, MiB, openDashboard } from './support/dashboard';
import { expect, test } from './support/fixtures';

const app = serverForThisFile({ env: { UPLOAD_CHUNK_SIZE: '1MiB' } });

/**
 * A proxy with a request limit answers 408 to a long PATCH; the bytes that got
 * through are kept by the server. Here one PATCH is answered 408 in the browser
 * (the server never sees it): the dashboard must retry from the server's
 * offset, where tus-js-client on its own gives up on a 4xx.
 */
test('a PATCH answered 408 is retried from the server offset and the upload completes', async ({ page, sources, traffic }) => {
  const source = sources.random('timeout.bin', 3 * MiB + 1);
  const name = path.basename(source);
  let injected = false;
  const answer408 = async (route: Route) => {
    const request = route.request();
    if (injected || request.method() !== 'PATCH' || request.headers()['upload-offset'] === '0') {
      await route.fallback();
      return;
    }
    injected = true;
    await route.fulfill({ status: 408, headers: { 'Tus-Resumable': '1.0.0', Connection: 'close' }, body: 'Request Timeout' });
    // Intercepting slows uploads: stop once the failure is in.
    await page.unroute('**/api/upload/*', answer408);
  };
  await page.route('**/api/upload/*', answer408);

  await openDashboard(page, app);
  await addFiles(page, [source]);
  const post = await traffic.waitFor((e) => e.method === 'POST' && e.createdId !== null, 30_000, 'the creation POST');
  const uploadId = post.createdId!;
  const timedOut = await traffic.waitFor((e) => e.method === 'PATCH' && e.status === 408, 30_000, 'the PATCH answered 408');

  const head = await traffic.waitFor(
    (e) => e.method === 'HEAD' && e.uploadId === uploadId && e.seq > timedOut.seq && e.status === 200,
    30_000,
    'a HEAD retrying after the 408',
  );
  expect(head.responseOffset).toBe(timedOut.requestOffset);
  await app.events.waitFor((e) => e.type === 'finished' && e.id === uploadId, 60_000, 'the upload to finish');
  await expect(fileItem(page, name)).toHaveClass(/\bis-complete\b/);
  const afterRetry = traffic.forUpload(uploadId).filter((e) => e.method === 'PATCH' && e.seq > head.seq);
  expect(afterRetry[0]?.requestOffset).toBe(head.responseOffset);
  expect(traffic.posts()).toHaveLength(1);
  await expectStoredCopy(app, uploadId, source);
});
