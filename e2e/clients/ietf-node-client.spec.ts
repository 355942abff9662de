import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { requestsOf, storedBytes, uploadIdOf, waitForStoredBytes } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { DraftClient } from '../support/ietf-client';
import { TcpProxy } from '../support/tcp-proxy';
import { Stall } from '../support/tus-js-client';

// A client written from the -12 text (interop version 8) with raw node:http sends a whole file in its creation
// request; the network fails half way, before any final response. All it has is the upload's URI from the 104:
// it asks the offset, appends the rest, and the download is the file, byte for byte.

const SIZE = 12 * 2 ** 20 + 999;
/** Where the creation's body stops: half way, off any block boundary. */
const STALL_AT = Math.floor(SIZE / 2) + 321;

let app: AppServer;
let proxy: TcpProxy;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  proxy = await TcpProxy.start(app.port);
  file = randomFile('draft-12.bin', SIZE);
});
test.afterAll(async () => {
  await proxy?.close();
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('a -12 client resumes from the 104 alone after the network fails mid-creation, byte-exact', async () => {
  const endpoint = `${proxy.baseUrl}/api/upload`;
  const client = new DraftClient(endpoint);
  // The first request's body stops half way; the resumed append reads the file from where the server is.
  const uploading = client.upload(file, (start) =>
    start === 0 ? fs.createReadStream(file).pipe(new Stall(STALL_AT)) : fs.createReadStream(file, { start }),
  );

  // Everything sent so far is stored: the network fails now, before the creation has a final response.
  const created = await app.events.waitFor((e) => e.type === 'created', 30_000, 'the upload created');
  const id = created.id!;
  await waitForStoredBytes(app, id, STALL_AT);
  proxy.cut();
  proxy.restore();
  const response = await uploading;

  // The client had the upload's URI from the 104 only, with the draft's fields.
  expect(client.url).toBe(`${endpoint}/${id}`);
  expect(client.interim.map((message) => [message.status, message.headers])).toEqual([
    [
      104,
      {
        'upload-draft-interop-version': '8',
        location: client.url,
        'upload-limit': `max-size=${50 * 2 ** 30}, max-age=${24 * 3600}`,
      },
    ],
  ]);
  // The creation was cut with what it sent stored (its answer never left, so its log line names no upload);
  // the offset, then one append from there, completed the upload.
  const post = await app.events.waitFor((e) => e.type === 'request' && e.method === 'POST', 10_000, 'the POST line');
  // (A request's log line may land just after its answer reached the client.)
  await app.events.waitFor((e) => e.type === 'request' && e.method === 'PATCH' && e.id === id, 10_000, 'the PATCH line');
  expect([post.id, post.status! >= 400, requestsOf(app, { method: 'POST' }).length]).toEqual([null, true, 1]);
  expect(requestsOf(app, { id }).map((e) => [e.method, e.status, e.requestOffset, e.responseOffset])).toEqual([
    ['HEAD', 204, null, STALL_AT],
    ['PATCH', 201, STALL_AT, SIZE],
  ]);
  expect([response.status, response.headers['upload-complete'], response.headers.location]).toEqual([201, '?1', client.url]);

  await app.events.waitFor((e) => e.type === 'finished' && e.id === id, 10_000, 'the finished event');
  expect(storedBytes(app, id)).toBe(SIZE);
  expect(await sha256OfDownload(`${app.endpoint}/${uploadIdOf(client.url!)}`)).toBe(await sha256OfFile(file));
});
