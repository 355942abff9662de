import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { fromNode, fromWeb, withMethod, type UploadRequest } from './request';

// Request trailers are an optional capability of the request adapter: the Node
// adapter reads them once the body has ended, and refuses to answer before (an
// empty answer then would read as "not sent"); a Web Request has none to give.

interface Seen {
  early: string;
  body: string;
  checksum: string | null;
  other: string | null;
  absent: string | null;
  overridden: string | null;
}

const trailerOf = (request: UploadRequest, name: string) => (request.trailer ? request.trailer(name) : 'no capability');

/** Sends `raw` on a socket to a server that reads the request through fromNode and reports what it saw. */
async function seenByNodeAdapter(raw: string): Promise<Seen> {
  let seen!: Promise<Seen>;
  const server = http.createServer((req, res) => {
    seen = (async () => {
      const request = fromNode(req);
      let early = '';
      try {
        request.trailer?.('upload-checksum');
      } catch (error) {
        early = (error as Error).message;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request.body()) chunks.push(chunk as Buffer);
      const result: Seen = {
        early,
        body: Buffer.concat(chunks).toString('latin1'),
        checksum: trailerOf(request, 'upload-checksum'),
        other: trailerOf(request, 'x-other'),
        absent: trailerOf(request, 'x-absent'),
        overridden: trailerOf(withMethod(request, 'PATCH'), 'upload-checksum'),
      };
      res.end();
      return result;
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.end(raw);
    socket.resume();
    await once(socket, 'close');
    return await seen;
  } finally {
    server.close();
  }
}

test('the Node adapter gives a trailer once the body has ended, repeated ones joined, and refuses before', async () => {
  const seen = await seenByNodeAdapter(
    'PATCH /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: Upload-Checksum, X-Other\r\nConnection: close\r\n\r\n' +
      '5\r\nhello\r\n6\r\n world\r\n0\r\nUpload-Checksum: sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=\r\nX-Other: a\r\nX-Other: b\r\n\r\n',
  );
  expect(seen).toEqual({
    early: 'request trailers are read once the body has ended',
    body: 'hello world',
    checksum: 'sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=',
    other: 'a, b',
    absent: null,
    overridden: 'sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=',
  });
});

test('a chunked body that ends without trailers has none, and a body with a length cannot have any', async () => {
  const chunked = await seenByNodeAdapter(
    'PATCH /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: Upload-Checksum\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  );
  expect([chunked.body, chunked.checksum]).toEqual(['hello', null]);
  const sized = await seenByNodeAdapter(
    'PATCH /u HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTrailer: Upload-Checksum\r\nConnection: close\r\n\r\nhello',
  );
  expect([sized.body, sized.checksum]).toEqual(['hello', null]);
});

test('a Web Request has no trailer capability, also under a method override', () => {
  const request: UploadRequest = fromWeb(
    new Request('http://x/u', { method: 'POST', headers: { Trailer: 'Upload-Checksum' }, body: 'hello' }),
  );
  expect(request.trailer).toBeUndefined();
  expect(withMethod(request, 'PATCH').trailer).toBeUndefined();
});
