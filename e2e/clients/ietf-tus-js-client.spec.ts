import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tus from 'tus-js-client';
import { AppServer } from '../support/app-server';
import { requestsOf, storedBytes, waitForRequests, waitForStoredBytes } from '../support/clients';
import { randomFile, sha256OfDownload, sha256OfFile } from '../support/files';
import { FileUrlStorage, stallingHttpStack, uploadToEnd } from '../support/tus-js-client';

// tus-js-client speaking the IETF draft instead of tus: `protocol: 'ietf-draft-03'` (interop 5) and
// 'ietf-draft-05' (interop 6). Its upload is cut half way through its one PATCH and a second client, which
// finds the URL in its storage, finishes it from the server's offset: one upload, byte-exact.

const SIZE = 16 * 2 ** 20 + 4321;
/** Where the first client's network stalls: half way, off any block boundary. */
const STALL_AT = Math.floor(SIZE / 2) + 777;

/** What a draft client must send, by tus-js-client's protocol name. */
const PROTOCOLS = [
  { protocol: 'ietf-draft-03', interop: '5', appendType: undefined },
  { protocol: 'ietf-draft-05', interop: '6', appendType: 'application/partial-upload' },
] as const;

/** The draft's fields of one request tus-js-client sent. */
interface Sent {
  method: string;
  interop: string | undefined;
  tus: string | undefined;
  complete: string | undefined;
  offset: string | undefined;
  type: string | undefined;
}

/** Notes the draft's fields of every request an HTTP stack sends. */
function recording(inner: tus.HttpStack, sent: Sent[]): tus.HttpStack {
  return {
    getName: () => `recording ${inner.getName()}`,
    createRequest(method, url) {
      const req = inner.createRequest(method, url);
      const send = req.send.bind(req);
      req.send = (body: unknown) => {
        const field = (name: string) => (req.getHeader(name) as string | undefined) ?? undefined;
        sent.push({
          method,
          interop: field('Upload-Draft-Interop-Version'),
          tus: field('Tus-Resumable'),
          complete: field('Upload-Complete'),
          offset: field('Upload-Offset'),
          type: field('Content-Type'),
        });
        return send(body);
      };
      return req;
    },
  };
}

let app: AppServer;
let workDir: string;
let file: string;
test.beforeAll(async () => {
  app = await AppServer.start();
  file = randomFile('draft.bin', SIZE);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tus-js-ietf-'));
});
test.afterAll(async () => {
  await app?.dispose();
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

for (const { protocol, interop, appendType } of PROTOCOLS) {
  test(`tus-js-client with protocol '${protocol}' resumes an upload cut half way, byte-exact`, async () => {
    const sent: Sent[] = [];
    const urlStorage = new FileUrlStorage(path.join(workDir, `${protocol}.json`));
    const options = {
      endpoint: app.endpoint,
      protocol,
      metadata: { filename: `${protocol}.bin`, filetype: 'application/octet-stream' },
      // A retry would hide a failed request: every answer must be right first time.
      retryDelays: null,
      urlStorage,
    };
    const postsBefore = requestsOf(app, { method: 'POST' }).length;
    const earlier = new Set(app.events.all().map((e) => e.type === 'created' && e.id));

    // First client: one PATCH for the whole file, whose body stalls half way.
    let first: tus.Upload | undefined;
    const failure = new Promise<never>((_resolve, reject) => {
      first = new tus.Upload(fs.createReadStream(file), {
        ...options,
        httpStack: recording(
          stallingHttpStack(() => STALL_AT),
          sent,
        ),
        onSuccess: () => reject(new Error('the upload finished although its body stalled')),
        onError: reject,
      });
      first.start();
    });
    failure.catch(() => undefined); // after an abort the client reports nothing more
    const created = await Promise.race([
      app.events.waitFor((e) => e.type === 'created' && !earlier.has(e.id), 60_000, 'the upload created'),
      failure,
    ]);
    const id = created.id!;
    await Promise.race([waitForStoredBytes(app, id, STALL_AT), failure]);
    await first!.abort();
    expect(first!.url).toBe(`${app.endpoint}/${id}`);
    // The server is done with the cut PATCH once it logged it: its bytes are then on disk.
    expect((await waitForRequests(app, 'PATCH', id, 1)).status).toBeGreaterThanOrEqual(400);
    expect(storedBytes(app, id)).toBe(STALL_AT);
    const before = app.events.all().length;

    // Second client: it finds the first one's URL in its storage and resumes from the server's offset.
    const second = new tus.Upload(fs.createReadStream(file), { ...options, httpStack: recording(new tus.DefaultHttpStack({}), sent) });
    const previous = await second.findPreviousUploads();
    expect(previous.map((upload) => upload.uploadUrl)).toEqual([first!.url]);
    second.resumeFromPreviousUpload(previous[0]);
    await uploadToEnd(second);
    expect(second.url).toBe(first!.url);

    // The client spoke the draft, never tus: creation, the cut append, the offset, the last append. tus-js-client
    // 4.3's file source says a slice is the last only when it starts at 0, so that last append says Upload-Complete: ?0:
    // the upload completes because it reaches its length, which the creation's Upload-Length and the first append's
    // Upload-Complete: ?1 with its Content-Length both gave.
    expect(sent).toEqual([
      { method: 'POST', interop, tus: undefined, complete: '?0', offset: undefined, type: undefined },
      { method: 'PATCH', interop, tus: undefined, complete: '?1', offset: '0', type: appendType },
      { method: 'HEAD', interop, tus: undefined, complete: undefined, offset: undefined, type: undefined },
      { method: 'PATCH', interop, tus: undefined, complete: '?0', offset: String(STALL_AT), type: appendType },
    ]);
    // One upload; the resume asked for the offset, then sent the rest from exactly there.
    expect(requestsOf(app, { method: 'POST' })).toHaveLength(postsBefore + 1);
    await app.events.waitFor((e) => e.type === 'request' && e.method === 'PATCH' && e.id === id && e.status === 201, 10_000, 'the PATCH');
    const resumed = app.events
      .all()
      .slice(before)
      .filter((e) => e.type === 'request' && e.id === id);
    expect(resumed.map((e) => [e.method, e.status, e.requestOffset, e.responseOffset])).toEqual([
      ['HEAD', 204, null, STALL_AT],
      ['PATCH', 201, STALL_AT, SIZE],
    ]);

    // An ordinary completed upload: finished once, and byte-exact.
    await app.events.waitFor((e) => e.type === 'finished' && e.id === id, 10_000, 'the finished event');
    expect(app.events.all().filter((e) => e.type === 'finished' && e.id === id)).toHaveLength(1);
    expect(await sha256OfDownload(first!.url!)).toBe(await sha256OfFile(file));
  });
}
