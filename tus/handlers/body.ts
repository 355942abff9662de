import { Readable } from 'node:stream';
import { ERRORS, type CancellationContext, type Upload } from '@tus/server';
import { isStorageFull, refuse } from '../errors';
import type { UploadRequest } from '../http/request';

export interface BodyReception<T> {
  /** The request's body. */
  body: Readable;
  /** Most bytes accepted; one more is a 413. */
  limit: number;
  context: CancellationContext;
  /** Called with the running total as bytes arrive (for progress events). */
  onBytes?: (received: number) => void;
  /** Called once with how many bytes were read from the body, however the reception ended (metrics). */
  onReceived?: (bytes: number) => void;
  /** Sees every byte on its way to the sink, in order (e.g. a digest). */
  observe?: (chunk: Buffer) => void;
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
export async function receiveBody<T>({ body: source, limit, context, onBytes, onReceived, observe, sink }: BodyReception<T>): Promise<T> {
  if (context.signal.aborted) throw ERRORS.ABORTED;
  const body = new BoundedBody(source, limit, observe, onBytes);
  const onAbort = () => body.stop();
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    let stored: T;
    try {
      stored = await sink(body);
    } catch (error) {
      body.detach();
      // The body's failure (a 413, a vanished client) is the cause; the sink's is its echo.
      if (body.failure !== null) throw body.failure;
      // Disk full: read the rest of the body (no more than it may hold) so the client gets the 507
      // instead of a connection reset in the middle of its send, and retries knowing why.
      if (isStorageFull(error)) throw refuse.storageFull(await drain(source, limit - body.received));
      throw error;
    }
    if (body.failure !== null) throw body.failure;
    return stored;
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    onReceived?.(body.received);
  }
}

/**
 * A request body on its way to the store: counts the bytes, refuses one more
 * than the limit before it reaches the store, lets `observe` see each chunk,
 * and can be ended early without destroying the request (a cancelled PATCH
 * still answers its client). One hop, no per-chunk promise.
 */
class BoundedBody extends Readable {
  received = 0;
  /** Why the body stopped short, or null. */
  failure: unknown = null;
  private attached = true;

  constructor(
    private readonly source: Readable,
    private readonly limit: number,
    private readonly observe?: (chunk: Buffer) => void,
    private readonly onBytes?: (received: number) => void,
  ) {
    super();
    // The failure is kept and reported by receiveBody; a sink that has already given up
    // (disk full) and stopped listening must not turn a client's later hang-up into a crash.
    this.on('error', () => undefined);
    // Paused until the store reads: bytes flow at the pace of the disk.
    source.pause();
    source.on('data', this.onData);
    source.on('end', this.onEnd);
    source.on('error', this.onFailure);
    source.on('close', this.onClose);
    // A client gone before the body was asked for (while the lock was awaited) sends no more events.
    if (source.destroyed && !source.readableEnded) this.fail(ERRORS.ABORTED);
  }

  override _read(): void {
    if (this.attached) this.source.resume();
  }

  /** Ends the body here: the store keeps what it received. */
  stop(): void {
    if (!this.attached) return;
    this.detach();
    this.push(null);
  }

  /** Stops reading from the request; what is left of it stays there (for a drain). */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('error', this.onFailure);
    this.source.off('close', this.onClose);
    this.source.pause();
  }

  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.length;
    if (this.received > this.limit) {
      this.fail(ERRORS.ERR_MAX_SIZE_EXCEEDED);
      return;
    }
    this.observe?.(chunk);
    this.onBytes?.(this.received);
    if (!this.push(chunk)) this.source.pause();
  };

  private readonly onEnd = () => {
    this.detach();
    this.push(null);
  };

  /** The client vanished mid-body. */
  private readonly onFailure = () => this.fail(ERRORS.ABORTED);

  private readonly onClose = () => {
    if (!this.source.readableEnded) this.fail(ERRORS.ABORTED);
  };

  private fail(reason: unknown): void {
    this.detach();
    this.failure = reason;
    this.destroy(reason instanceof Error ? reason : new Error(String((reason as { body?: string }).body ?? reason)));
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

/**
 * How many body bytes a request may carry: what is left of a known length,
 * or of the server's maximum while the length is deferred. A declared
 * Content-Length that does not fit is refused before any byte is read.
 */
export function bodyLimit(req: UploadRequest, upload: Upload, maxSize: number): number {
  const declared = req.header('content-length');
  const length = declared === null ? 0 : Number.parseInt(declared, 10);
  if (upload.size === undefined) {
    if (declared !== null && maxSize > 0 && upload.offset + length > maxSize) throw ERRORS.ERR_SIZE_EXCEEDED;
    return maxSize > 0 ? maxSize - upload.offset : Number.MAX_SAFE_INTEGER;
  }
  if (upload.offset + length > upload.size) throw ERRORS.ERR_SIZE_EXCEEDED;
  return declared === null ? upload.size - upload.offset : length;
}
