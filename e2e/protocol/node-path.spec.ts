import { once } from 'node:events';
import net from 'node:net';
import { createUpload, head, patch, rawRequest, TUS } from '../support/http';
import { expect, test } from './server-fixture';

// The production server (the package's startUploadServer) hands every
// request under the endpoint to the engine on Node's own objects, and only
// the rest of the site to Next.js. Next.js marks every answer it builds with
// `Vary: rsc, …`: its absence shows who answered.

const servedByNext = (vary: string | string[] | undefined) => /\brsc\b/i.test(String(vary ?? ''));

test('every method on the endpoint is answered by the engine, downloads included, never by Next.js', async ({ app }) => {
  const url = await createUpload(app.endpoint, 5);
  const answers = [
    await rawRequest(app.endpoint, { method: 'POST', headers: { ...TUS, 'Upload-Length': '1' } }),
    await patch(url, 0, 'hello'),
    await head(url),
    await rawRequest(url, { method: 'GET' }),
    await rawRequest(app.endpoint, { method: 'OPTIONS', headers: {} }),
    await rawRequest(`${app.endpoint}/not..an..id`, { method: 'HEAD', headers: TUS }),
    await rawRequest(url, { method: 'DELETE', headers: TUS }),
  ];
  expect(answers.map((res) => res.status)).toEqual([201, 204, 200, 200, 204, 404, 204]);
  for (const res of answers) expect(servedByNext(res.headers.vary), JSON.stringify(res.headers)).toBe(false);
  // The rest of the site is Next.js's.
  expect(servedByNext((await rawRequest(`${app.baseUrl}/api/uploads`, { method: 'GET' })).headers.vary)).toBe(true);
});

test('a trailing slash is the same URL: POST /api/upload/ creates, and /api/upload/<id>/ is the upload', async ({ app }) => {
  const created = await rawRequest(`${app.endpoint}/`, { method: 'POST', headers: { ...TUS, 'Upload-Length': '5' } });
  expect(created.status).toBe(201);
  const url = created.headers.location as string;
  expect(url).toMatch(new RegExp(`^${app.endpoint}/[0-9a-f]{32}$`));
  expect((await patch(`${url}/`, 0, 'hel')).headers['upload-offset']).toBe('3');
  const slashed = await head(`${url}/`);
  expect([slashed.status, slashed.headers['upload-offset'], slashed.headers['upload-length']]).toEqual([200, '3', '5']);
  expect((await patch(url, 3, 'lo')).status).toBe(204);
  const download = await rawRequest(`${url}/`, { method: 'GET' });
  expect([download.status, download.text]).toEqual([200, 'hello']);
  expect((await rawRequest(`${url}/`, { method: 'DELETE', headers: TUS })).status).toBe(204);
  expect((await head(url)).status).toBe(404);
});

/**
 * Sends a PATCH at a wrong offset with a body of `bytes` on a raw socket, all
 * of it, and collects what comes back until the server ends the connection.
 * The refusal comes before the server reads the body.
 */
function refusedPatchWithBody(url: string, bytes: number): Promise<{ answer: string; error: string | null }> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(target.port), target.hostname);
    const received: Buffer[] = [];
    let error: string | null = null;
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message));
    socket.on('close', () => resolve({ answer: Buffer.concat(received).toString('latin1'), error }));
    socket.on('connect', async () => {
      socket.write(
        `PATCH ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 3\r\n` +
          `Content-Type: application/offset+octet-stream\r\nContent-Length: ${bytes}\r\n\r\n`,
      );
      const block = Buffer.alloc(64 * 1024, 7);
      for (let sent = 0; sent < bytes && !socket.destroyed; sent += block.length) {
        if (!socket.write(block)) await once(socket, 'drain').catch(() => undefined);
      }
      if (!socket.destroyed) socket.end();
    });
  });
}

test('a refusal that comes before its body is read reaches the client over a connection that ends cleanly, never a reset', async ({
  app,
}) => {
  const url = await createUpload(app.endpoint, 1024);
  // 16 MiB: more than the socket buffers of both ends hold, so unread bytes are still arriving when the answer goes out.
  for (let round = 0; round < 3; round++) {
    const { answer, error } = await refusedPatchWithBody(url, 16 * 1024 * 1024);
    expect(error, 'the connection was reset').toBeNull();
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 409 Conflict');
    expect(answer).toMatch(/\r\nupload-offset: 0\r\n/i);
  }
  expect((await head(url)).headers['upload-offset']).toBe('0');
});
