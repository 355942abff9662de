import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The Node request behind the Web `Request` a route handler receives, when
 * the app runs in our own HTTP server (serve.ts). Reading a body through the
 * Web stream Next.js builds from it costs a promise and a copy per chunk; the
 * Node stream hands over the socket's buffers directly. Under `next dev` or
 * `next start` nothing is recorded and bodies are read as Web streams.
 */
const current = sharedStorage();

/** Runs `handle` (the framework's handling of `req`) with `req` recorded as the request being served. */
export function servingNodeRequest<T>(req: IncomingMessage, handle: () => T): T {
  return current.run(req, handle);
}

/**
 * The Node stream of the body of the request being served, when nothing has
 * read from it yet: the Web stream built over it reads only when pulled, so
 * the two never both take bytes as long as the Web body stays untouched.
 */
export function untouchedNodeBody(): Readable | null {
  const req = current.getStore();
  if (!req || req.readableDidRead || req.readableEnded || req.destroyed || req.listenerCount('data') > 0) return null;
  return req;
}

/**
 * serve.ts loads this module through tsx while the route runs it from the
 * Next.js build: two module instances, so the storage lives in a global slot.
 */
function sharedStorage(): AsyncLocalStorage<IncomingMessage> {
  const slot = Symbol.for('resumable-uploads.node-request');
  const holder = globalThis as { [slot]?: AsyncLocalStorage<IncomingMessage> };
  holder[slot] ??= new AsyncLocalStorage<IncomingMessage>();
  return holder[slot];
}
