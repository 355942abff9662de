import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { servingNodeRequest, untouchedNodeBody } from './node-request';

// The seam serve.ts opens for the upload endpoint: the Node request being
// served, offered only while nothing has read its body.

/** Serves one request with `handle` on a real socket; resolves with what the handler returned. */
async function serveOne<T>(body: string, handle: (req: http.IncomingMessage) => Promise<T>): Promise<T> {
  let result!: Promise<T>;
  const server = http.createServer((req, res) => {
    result = servingNodeRequest(req, () => handle(req));
    void result.finally(() => res.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body });
    await response.arrayBuffer();
    return await result;
  } finally {
    server.close();
  }
}

test('inside a served request, its untouched body is the Node request itself, with every byte', async () => {
  const text = await serveOne('hello node', async (req) => {
    const body = untouchedNodeBody();
    expect(body).toBe(req);
    const chunks: Buffer[] = [];
    for await (const chunk of body!) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  });
  expect(text).toBe('hello node');
});

test('a body something already read from is not offered, nor is any outside a served request', async () => {
  const offered = await serveOne('x'.repeat(100_000), async (req) => {
    await once(req, 'readable');
    req.read(1);
    const inside = untouchedNodeBody();
    req.resume();
    return inside;
  });
  expect(offered).toBeNull();
  expect(untouchedNodeBody()).toBeNull();
});
