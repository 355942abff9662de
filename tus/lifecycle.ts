import type { Upload } from '@tus/server';
import type { ConcatRole } from './concatenation';
import type { UploadRequest } from './http/request';

/** When a request wrote into an upload, starting at `offset`. */
export interface WriteSpan {
  id: string;
  offset: number;
  startedAt: Date;
  endedAt: Date;
}

/**
 * What happened to uploads, as the handlers report it, with the request that
 * caused it: the engine turns it into event log lines and post-* hooks, and
 * keeps the catalog current. The handlers await `created`, `finished` and
 * `terminated` before they answer: a webhook's event is kept by then.
 */
export interface UploadLifecycle {
  created(upload: Upload, concat: ConcatRole | null, req: UploadRequest): Promise<void>;
  /** Bytes received so far by a running PATCH or creation; only when `observed`. */
  progress(id: string, offset: number): void;
  /** Whether anyone records progress and write spans (the event log): nothing is measured for them otherwise. */
  readonly observed: boolean;
  /** When a request wrote into an upload; only when `observed`. */
  wrote(span: WriteSpan): void;
  finished(upload: Upload, concat: ConcatRole | null, req: UploadRequest): Promise<void>;
  terminated(upload: Upload, concat: ConcatRole | null, req: UploadRequest): Promise<void>;
}
