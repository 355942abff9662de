import { PassThrough, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ERRORS, StreamLimiter, type CancellationContext, type Upload } from '@tus/server';
import { isStorageFull, refuse } from '../errors';

export interface BodyReception<T> {
  body: ReadableStream<Uint8Array> | null;
  /** Most bytes accepted; one more is a 413. */
  limit: number;
  context: CancellationContext;
  /** Called with the running total as bytes arrive (for progress events). */
  onBytes?: (received: number) => void;
  /** A stream the bytes pass through on their way to the sink, e.g. a digest. */
  through?: Transform;
  /** Where the bytes go: the store's write or stageChunk. */
  sink: (data: Readable) => Promise<T>;
}

/**
 * Streams a request body into the store, bounded by `limit`.
 *
 * When the request is cancelled (another request wants the upload's lock),
 * the body is cut cleanly and the store keeps what it received: a resumable
 * upload must store as much as possible. When the client vanishes, the
 * reception fails with ABORTED.
 */
export async function receiveBody<T>({ body, limit, context, onBytes, through, sink }: BodyReception<T>): Promise<T> {
  if (context.signal.aborted) throw ERRORS.ABORTED;
  // The proxy lets a cancellation end the stream without destroying the
  // request itself, which would hang up on the client before it gets an answer.
  const proxy = new PassThrough();
  // The DOM and Node typings of ReadableStream differ only in name.
  const source = body ? Readable.fromWeb(body as NodeReadableStream<Uint8Array>) : Readable.from([]);
  let sourceError: unknown;
  source.on('error', (error) => {
    sourceError = error;
    source.unpipe(proxy);
    if (!context.signal.aborted) proxy.destroy(error);
  });
  const onAbort = () => {
    source.unpipe(proxy);
    if (!proxy.destroyed) proxy.end();
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  if (onBytes) {
    let received = 0;
    proxy.on('data', (chunk: Buffer) => {
      received += chunk.length;
      onBytes(received);
    });
  }
  try {
    const limited = new StreamLimiter(limit);
    const flowing = through ? pipeline(source.pipe(proxy), limited, through) : pipeline(source.pipe(proxy), limited);
    const last = through ?? limited;
    // A sink that fails (disk full) stops reading; the flow must not wait for it forever.
    const storing = sink(last).catch((error: unknown) => {
      last.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    });
    const [flow, stored] = await Promise.allSettled([flowing, storing]);
    if (stored.status === 'rejected' && (flow.status === 'fulfilled' || isPrematureClose(flow.reason))) throw stored.reason;
    // Otherwise the flow's failure is the cause (a 413, a vanished client) and the sink's is its echo.
    if (flow.status === 'rejected') throw flow.reason;
    if (stored.status === 'rejected') throw stored.reason;
    return stored.value;
  } catch (error) {
    source.unpipe(proxy);
    const aborted = (sourceError !== undefined && error === sourceError) || (error instanceof Error && error.name === 'AbortError');
    if (aborted) throw ERRORS.ABORTED;
    // Disk full: read the rest of the body (no more than it may hold) so the client gets the 507
    // instead of a connection reset in the middle of its send, and retries knowing why.
    if (isStorageFull(error)) throw refuse.storageFull(await drain(source, limit));
    throw error;
  } finally {
    context.signal.removeEventListener('abort', onAbort);
  }
}

/** Reads and discards what is left of a body; true when it ended within `limit` bytes. */
async function drain(source: Readable, limit: number): Promise<boolean> {
  if (source.readableEnded) return true;
  if (source.destroyed) return false;
  let read = 0;
  try {
    for await (const chunk of source) {
      read += (chunk as Buffer).length;
      if (read > limit) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function isPrematureClose(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/**
 * How many body bytes a request may carry: what is left of a known length,
 * or of the server's maximum while the length is deferred. A declared
 * Content-Length that does not fit is refused before any byte is read.
 */
export function bodyLimit(req: Request, upload: Upload, maxSize: number): number {
  const declared = req.headers.get('content-length');
  const length = declared === null ? 0 : Number.parseInt(declared, 10);
  if (upload.size === undefined) {
    if (declared !== null && maxSize > 0 && upload.offset + length > maxSize) throw ERRORS.ERR_SIZE_EXCEEDED;
    return maxSize > 0 ? maxSize - upload.offset : Number.MAX_SAFE_INTEGER;
  }
  if (upload.offset + length > upload.size) throw ERRORS.ERR_SIZE_EXCEEDED;
  return declared === null ? upload.size - upload.offset : length;
}
