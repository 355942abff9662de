import { ERRORS, type CancellationContext, type DataStore, type Lock, type Locker, type Upload } from '@tus/server';
import type { AccessPolicy } from '../access';
import { canKeepState, canReadRange, canStage, type StagedChunk, type UploadState } from '../capabilities';
import {
  announcesChecksumTrailer,
  bytesMatch,
  ChunkDigest,
  parseChecksumTrailer,
  parseUploadChecksum,
  type RequestChecksum,
} from '../checksum';
import { answerOf, isStorageFull, refuse, UploadError } from '../errors';
import type { ExpirationPolicy } from '../expiration';
import type { Extensions } from '../extensions';
import type { FinalAssembler } from '../final-assembly';
import type { ConcatRole } from '../concatenation';
import type { FinishVerdict, HookRunner } from '../hooks/runner';
import type { HookHttpResponse } from '../hooks/types';
import type { UploadLifecycle } from '../lifecycle';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { receiveBody } from './body';
import type { LocationPolicy } from './location';

/** How the completion of an upload ended: pre-finish's verdict, or bytes that are not the representation announced. */
export type Completion = FinishVerdict | { kind: 'corrupt'; error: UploadError };

/** What every handler works with, composed once in engine.ts. */
export interface HandlerDeps {
  store: DataStore;
  locker: Locker;
  /** Largest upload accepted, in bytes; 0 for no limit. */
  maxSize: number;
  location: LocationPolicy;
  extensions: Extensions;
  expiration: ExpirationPolicy;
  deleteFinished: boolean;
  /** Present when the store can concatenate. */
  finals: FinalAssembler | null;
  /** Who may use which upload (open mode: anyone, any upload). */
  access: AccessPolicy;
  hooks: HookRunner;
  lifecycle: UploadLifecycle;
  /** How often a running PATCH reports its progress. */
  progressIntervalMs: number;
  /** Counts the bytes of each request body, once it is received (metrics). */
  received?: (bytes: number) => void;
}

/**
 * One tus method: `send` answers a request whose preconditions (endpoint.ts)
 * passed, on top of the headers already decided (Tus-Resumable). Refusals are
 * answers, never thrown past `send`; anything else thrown is a bug.
 */
export abstract class TusHandler {
  constructor(protected readonly deps: HandlerDeps) {}

  async send(req: UploadRequest, id: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer> {
    try {
      return await this.handle(req, id, context, headers);
    } catch (thrown) {
      // A full disk is not the server's bug but a state that passes: a clear, retriable 507 instead of an opaque 500.
      const error = isStorageFull(thrown) ? refuse.storageFull() : thrown;
      const bodyRead = error instanceof UploadError && error.bodyRead;
      if (this.abortsOnError && !bodyRead && !context.signal.aborted) {
        // The body was not read (or not to the end): the connection cannot be reused.
        context.abort();
      }
      const answer = answerOf(error, headers);
      if (answer === null) throw error;
      return answer;
    }
  }

  /** `id`: the upload the URL names, or null for the creation URL and malformed ids. */
  protected abstract handle(req: UploadRequest, id: string | null, context: CancellationContext, headers: AnswerHeaders): Promise<Answer>;

  /** Whether a refusal must close the connection because the request has a body. */
  protected readonly abortsOnError: boolean = false;

  protected uploadId(id: string | null): string {
    if (id === null) throw refuse.notFound();
    return id;
  }

  protected async lock(id: string, context: CancellationContext): Promise<Lock> {
    const lock = this.deps.locker.newLock(id);
    await lock.lock(context.signal, () => context.cancel());
    return lock;
  }

  /**
   * The upload `req` asks for. With access control on, another subject's
   * upload is answered exactly as one that does not exist (404), so nobody
   * learns which ids are in use.
   */
  protected async stateOf(req: UploadRequest, id: string): Promise<UploadState> {
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
  protected async authorize(req: UploadRequest, id: string): Promise<void> {
    if (this.deps.access.enabled) await this.stateOf(req, id);
  }

  /**
   * Pre-finish, for an upload whose last byte is stored, under its lock: an
   * upload whose bytes do not match the representation digest its creation
   * gave, or that the hook refuses, is removed here, before anyone else can
   * see it.
   */
  protected async preFinish(
    req: UploadRequest,
    upload: Upload,
    concat: ConcatRole | null,
    representation: string | undefined,
  ): Promise<Completion> {
    if (representation !== undefined && !(await this.representationMatches(upload, representation))) {
      await this.deps.store.remove(upload.id);
      return { kind: 'corrupt', error: refuse.representationMismatch() };
    }
    const verdict = await this.deps.hooks.preFinish(req, upload, concat);
    if (verdict.kind === 'reject') await this.deps.store.remove(upload.id);
    return verdict;
  }

  /**
   * Whether the stored bytes of a complete upload have the digest its
   * creation recorded (`<algorithm> <base64>`): read back whole, since the
   * bytes came in requests that may have been cut and resumed anywhere.
   */
  private async representationMatches(upload: Upload, representation: string): Promise<boolean> {
    const { store } = this.deps;
    const expected = parseUploadChecksum(representation);
    if (expected === null) return true;
    if (!canReadRange(store)) throw refuse.representationUnverifiable();
    const digest = new ChunkDigest(expected);
    const length = upload.size ?? upload.offset;
    if (length > 0) {
      const reader = (await store.readRange(upload.id, 0, length - 1)).getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) digest.update(Buffer.from(read.value));
    }
    return digest.matches();
  }

  /**
   * The answer to the request that completed an upload, once its lock is
   * released, and the events that follow: post-finish, or post-terminate
   * and the hook's refusal.
   */
  protected async finish(
    req: UploadRequest,
    upload: Upload,
    concat: ConcatRole | null,
    verdict: Completion,
    answer: Answer,
  ): Promise<Answer> {
    const { lifecycle } = this.deps;
    if (verdict.kind === 'corrupt') {
      await lifecycle.terminated(upload, concat, req);
      throw verdict.error;
    }
    if (verdict.kind === 'reject') {
      await lifecycle.terminated(upload, concat, req);
      throw refuse.byHook('ERR_UPLOAD_REJECTED', 'the finished upload was refused by the server and removed', verdict.response);
    }
    await lifecycle.finished(upload, concat, req);
    if (verdict.kind === 'failed') return refuse.hookFailed('pre-finish', 'the upload is complete and kept').toAnswer(answer.headers);
    const response = verdict.response;
    if (response?.statusCode) answer.status = response.statusCode;
    if (response?.body) answer.body = response.body;
    if (response?.header) Object.assign(answer.headers, response.header);
    return answer;
  }

  /**
   * Streams the request body into the upload at its offset and returns the
   * new offset. With a checksum (in the header, or in the trailer) the bytes
   * are staged and verified first: a mismatch (460), a trailer missing or
   * malformed (400), or a chunk cut short leaves the upload as it was.
   */
  protected async receive(
    req: UploadRequest,
    upload: Upload,
    concat: ConcatRole | null,
    limit: number,
    context: CancellationContext,
    checksum: RequestChecksum,
  ): Promise<number> {
    const startedAt = this.deps.lifecycle.observed ? new Date() : null;
    // Set from the hook's callback, which control-flow analysis does not follow: hence an object.
    const stop: { response: HookHttpResponse | null } = { response: null };
    const receiving = this.deps.hooks.receiving(req, upload, concat, (response) => {
      stop.response = response;
      context.abort();
    });
    let offset: number | null = null;
    try {
      offset = await this.receiveInto(req, upload, limit, context, checksum, receiving?.report);
    } catch (error) {
      if (stop.response === null) throw error;
    } finally {
      // Emitted under the upload's lock: the spans of one upload's writes never overlap, across instances too (the tests check it).
      if (startedAt) this.deps.lifecycle.wrote({ id: upload.id, offset: upload.offset, startedAt, endedAt: new Date() });
      receiving?.end(stop.response === null ? offset : null);
    }
    if (stop.response !== null || offset === null) return this.stopUpload(req, upload, concat, stop.response ?? {});
    return offset;
  }

  /** Post-receive answered stopUpload: the upload is removed, as tusd does, and the request refused. */
  private async stopUpload(req: UploadRequest, upload: Upload, concat: ConcatRole | null, response: HookHttpResponse): Promise<never> {
    await this.deps.store.remove(upload.id);
    await this.deps.lifecycle.terminated(upload, concat, req);
    throw refuse.byHook('ERR_UPLOAD_STOPPED', 'upload has been stopped by server', response);
  }

  private async receiveInto(
    req: UploadRequest,
    upload: Upload,
    limit: number,
    context: CancellationContext,
    checksum: RequestChecksum,
    onOffset: ((offset: number) => void) | undefined,
  ): Promise<number> {
    const { store } = this.deps;
    if (checksum && !canStage(store)) throw refuse.checksumUnsupportedByStore();
    const progress = this.progressReporter(upload);
    const onBytes =
      progress && onOffset
        ? (received: number) => {
            progress.report(received);
            onOffset(upload.offset + received);
          }
        : (progress?.report ?? (onOffset && ((received: number) => onOffset(upload.offset + received))));
    const reception = { body: req.body(), limit, context, onBytes, onReceived: this.deps.received };
    let staged: StagedChunk;
    let digest: ChunkDigest | null;
    try {
      if (!checksum || !canStage(store)) {
        return await receiveBody({ ...reception, sink: (data) => store.write(data, upload.id, upload.offset) });
      }
      // A trailer's checksum (algorithm and digest) is known only after the bytes: they are staged unhashed.
      const computing = checksum === 'trailer' ? null : new ChunkDigest(checksum);
      digest = computing;
      staged = await receiveBody({
        ...reception,
        observe: computing ? (chunk) => computing.update(chunk) : undefined,
        sink: (data) => store.stageChunk(upload.id, upload.offset, data, computing?.expected ?? null, declaredLength(req)),
      });
    } finally {
      progress?.stop();
    }
    if (context.signal.aborted) {
      // Cut short (another request wants the lock): a partial chunk cannot be verified.
      await staged.discard();
      throw ERRORS.ABORTED;
    }
    try {
      // The body has ended, so its trailer has arrived if it ever will; the staged bytes are read back to verify them.
      const expected = digest?.expected ?? parseChecksumTrailer(req.trailer?.('upload-checksum') ?? null);
      const matches = digest ? digest.matches() : await bytesMatch(expected, staged.bytes());
      if (!matches) throw this.checksumMismatch(expected.algorithm);
    } catch (error) {
      await staged.discard();
      throw error;
    }
    return staged.commit();
  }

  /** The refusal of bytes whose digest does not match the one the request gave. */
  protected checksumMismatch(algorithm: string): UploadError {
    return refuse.checksumMismatch(algorithm);
  }

  /**
   * What a request's bytes are verified against: its Upload-Checksum header, or
   * its trailer when `Trailer` announces one (checksum-trailer), or nothing.
   * Whatever cannot be verified is refused before a byte is stored, never
   * taken as verified.
   */
  protected expectedChecksum(req: UploadRequest): RequestChecksum {
    const header = req.header('upload-checksum');
    const inTrailer = announcesChecksumTrailer(req.header('trailer'));
    if ((header !== null || inTrailer) && !this.deps.extensions.checksum) throw refuse.checksumUnsupportedByStore();
    if (!inTrailer) return parseUploadChecksum(header);
    // Two checksums for one chunk could disagree, and neither may quietly win: the pair is refused (so does tusdotnet).
    if (header !== null) throw refuse.checksumHeaderAndTrailer();
    // A transport without request trailers (a Web Request) would end the body with nothing to verify it by.
    if (!req.trailer) throw refuse.trailerUnsupported();
    return 'trailer';
  }

  /**
   * Progress for the lifecycle (the event log), at most once per interval and
   * always for the latest count, also when the body then stalls.
   */
  private progressReporter(upload: Upload): ProgressReporter | undefined {
    const { lifecycle, progressIntervalMs } = this.deps;
    if (!lifecycle.observed) return undefined;
    let latest = 0;
    let timer: NodeJS.Timeout | undefined;
    return {
      report: (received) => {
        latest = received;
        timer ??= setTimeout(() => {
          timer = undefined;
          lifecycle.progress(upload.id, upload.offset + latest);
        }, progressIntervalMs);
      },
      stop: () => clearTimeout(timer),
    };
  }

  /** An answer with no body (whatever hooks may add). */
  protected answer(status: number, headers: AnswerHeaders): Answer {
    return { status, headers, body: null };
  }
}

/** The body's length as the request declared it (Content-Length), or null. */
function declaredLength(req: UploadRequest): number | null {
  const declared = req.header('content-length');
  return declared === null ? null : Number(declared);
}

interface ProgressReporter {
  report(received: number): void;
  stop(): void;
}
