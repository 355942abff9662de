import { EventEmitter } from 'node:events';
import { DataStore, ERRORS, EVENTS, type CancellationContext, type Lock, type Locker, type ServerOptions, type Upload } from '@tus/server';
import type { AccessPolicy } from '../access';
import { canKeepState, canStage, type StagedChunk, type UploadState } from '../capabilities';
import { ChunkDigest, parseUploadChecksum, type ExpectedChecksum } from '../checksum';
import { UploadError, isStorageFull, refuse } from '../errors';
import type { ExpirationPolicy } from '../expiration';
import type { Extensions } from '../extensions';
import type { FinalAssembler } from '../final-assembly';
import { uploadIdOf } from '../upload-url';
import { receiveBody } from './body';

/** The event a handler emits when it is done writing a request's bytes into an upload (or failed to). */
export const WRITE_SPAN = 'upload.write';

/** When a request wrote into an upload, starting at `offset`. */
export interface WriteSpan {
  id: string;
  offset: number;
  startedAt: Date;
  endedAt: Date;
}

/** What every handler works with, composed once in server.ts. */
export interface HandlerDeps {
  store: DataStore;
  /** The server's options after its constructor filled in the defaults (locker, intervals). */
  options: ServerOptions;
  extensions: Extensions;
  expiration: ExpirationPolicy;
  deleteFinished: boolean;
  /** Present when the store can concatenate. */
  finals: FinalAssembler | null;
  /** Who may use which upload (open mode: anyone, any upload). */
  access: AccessPolicy;
}

/**
 * One tus method. @tus/server dispatches to `send(req, context, headers)` of
 * the handler registered for the method (its `handlers` map), after setting
 * Tus-Resumable and CORS on `headers`; these handlers replace its own where
 * the library falls short of the protocol (see README, "Protocol").
 */
export abstract class TusHandler extends EventEmitter {
  constructor(protected readonly deps: HandlerDeps) {
    super();
  }

  async send(req: Request, context: CancellationContext, headers: Headers = new Headers()): Promise<Response> {
    try {
      return await this.handle(req, context, headers);
    } catch (thrown) {
      // A full disk is not the server's bug but a state that passes: a clear, retriable 507 instead of an opaque 500.
      const error = isStorageFull(thrown) ? refuse.storageFull() : thrown;
      const bodyRead = error instanceof UploadError && error.bodyRead;
      if (this.abortsOnError && !bodyRead && !context.signal.aborted) {
        // The body was not read (or not to the end): the connection cannot be reused.
        context.abort();
      }
      if (error instanceof UploadError) {
        const response = error.toResponse(headers);
        if (context.signal.aborted) response.headers.set('Connection', 'close');
        return response;
      }
      throw error;
    }
  }

  protected abstract handle(req: Request, context: CancellationContext, headers: Headers): Promise<Response>;

  /** Whether a refusal must close the connection because the request has a body. */
  protected readonly abortsOnError: boolean = false;

  protected uploadId(req: Request): string {
    const id = uploadIdOf(req.url);
    if (id === null) throw refuse.notFound();
    return id;
  }

  protected async lock(req: Request, id: string, context: CancellationContext): Promise<Lock> {
    const { locker } = this.deps.options;
    const resolved: Locker = typeof locker === 'function' ? await locker(req) : await locker;
    const lock = resolved.newLock(id);
    await lock.lock(context.signal, () => context.cancel());
    return lock;
  }

  /**
   * The upload `req` asks for. With access control on, another subject's
   * upload is answered exactly as one that does not exist (404), so nobody
   * learns which ids are in use.
   */
  protected async stateOf(req: Request, id: string): Promise<UploadState> {
    const { store, access } = this.deps;
    const state = canKeepState(store)
      ? await store.readState(id)
      : { upload: await store.getUpload(id), concat: null, lastActivity: new Date() };
    if (!access.mayUse(req, state.owner)) throw ERRORS.FILE_NOT_FOUND;
    return state;
  }

  /**
   * With access control on, refuses another subject's upload before its lock
   * is asked for: a request that may not touch an upload must not cut short
   * its owner's running PATCH either (asking for a lock does). The owner never
   * changes after creation, so reading it without the lock is safe.
   */
  protected async authorize(req: Request, id: string): Promise<void> {
    if (this.deps.access.enabled) await this.stateOf(req, id);
  }

  protected async maxSize(req: Request, id: string | null): Promise<number> {
    const { maxSize } = this.deps.options;
    return typeof maxSize === 'function' ? maxSize(req, id) : (maxSize ?? 0);
  }

  protected async incoming(req: Request, id: string): Promise<void> {
    await this.deps.options.onIncomingRequest?.(req, id);
  }

  /** Runs the onUploadFinish hook; what it returns may change the answer. */
  protected async finishHook(req: Request, upload: Upload, answer: Answer): Promise<void> {
    const hook = this.deps.options.onUploadFinish;
    if (!hook) return;
    const patch = await hook(req, upload);
    if (patch.status_code) answer.status = patch.status_code;
    if (patch.body) answer.body = patch.body;
    if (patch.headers) for (const [name, value] of Object.entries(patch.headers)) answer.headers.set(name, String(value));
  }

  /**
   * Streams the request body into the upload at its offset and returns the
   * new offset. With a checksum the bytes are staged and verified first: a
   * mismatch (460) or a chunk cut short leaves the upload as it was.
   */
  protected async receive(
    req: Request,
    upload: Upload,
    limit: number,
    context: CancellationContext,
    checksum: ExpectedChecksum | null,
  ): Promise<number> {
    const startedAt = new Date();
    try {
      return await this.receiveInto(req, upload, limit, context, checksum);
    } finally {
      // Emitted under the upload's lock: the spans of one upload's writes never overlap, across instances too (the tests check it).
      const span: WriteSpan = { id: upload.id, offset: upload.offset, startedAt, endedAt: new Date() };
      this.emit(WRITE_SPAN, span);
    }
  }

  private async receiveInto(
    req: Request,
    upload: Upload,
    limit: number,
    context: CancellationContext,
    checksum: ExpectedChecksum | null,
  ): Promise<number> {
    const { store } = this.deps;
    if (checksum && !canStage(store)) throw refuse.checksumUnsupportedByStore();
    const progress = this.progressReporter(req, upload);
    const onBytes = progress?.report;
    const reception = { request: req, limit, context, onBytes };
    let staged: StagedChunk;
    let digest: ChunkDigest;
    try {
      if (!checksum || !canStage(store)) {
        return await receiveBody({ ...reception, sink: (data) => store.write(data, upload.id, upload.offset) });
      }
      const computing = new ChunkDigest(checksum);
      digest = computing;
      staged = await receiveBody({
        ...reception,
        observe: (chunk) => computing.update(chunk),
        sink: (data) => store.stageChunk(upload.id, upload.offset, data),
      });
    } finally {
      progress?.stop();
    }
    if (context.signal.aborted) {
      // Cut short (another request wants the lock): a partial chunk cannot be verified.
      await staged.discard();
      throw ERRORS.ABORTED;
    }
    if (!digest.matches()) {
      await staged.discard();
      throw refuse.checksumMismatch(checksum.algorithm);
    }
    return staged.commit();
  }

  /** The Upload-Checksum of a request, or null; a store that cannot verify refuses rather than ignore it. */
  protected expectedChecksum(req: Request): ExpectedChecksum | null {
    const header = req.headers.get('upload-checksum');
    if (header !== null && !this.deps.extensions.checksum) throw refuse.checksumUnsupportedByStore();
    return parseUploadChecksum(header);
  }

  /**
   * Progress for POST_RECEIVE listeners (the event log), at most once per
   * interval and always for the latest count, also when the body then stalls.
   */
  private progressReporter(req: Request, upload: Upload): ProgressReporter | undefined {
    if (this.listenerCount(EVENTS.POST_RECEIVE) === 0) return undefined;
    const interval = this.deps.options.postReceiveInterval ?? 1000;
    let latest = 0;
    let timer: NodeJS.Timeout | undefined;
    return {
      report: (received) => {
        latest = received;
        timer ??= setTimeout(() => {
          timer = undefined;
          this.emit(EVENTS.POST_RECEIVE, req, { ...upload, offset: upload.offset + latest });
        }, interval);
      },
      stop: () => clearTimeout(timer),
    };
  }

  /** A response's pieces while it is being decided. */
  protected answer(status: number, headers: Headers): Answer {
    return { status, headers, body: '' };
  }

  protected respond({ status, headers, body }: Answer): Response {
    const empty = status === 204 || status === 304 || body === '';
    return new Response(empty ? null : body, { status, headers });
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

interface ProgressReporter {
  report(received: number): void;
  stop(): void;
}
