import type { Upload } from '@tus/server';
import type { UploadRequest } from './http/request';

/**
 * Code an app runs at points of an upload's life, given as plain options to
 * the engine. A hook that throws an UploadError refuses the request with it;
 * anything else it throws is a 500.
 */
export interface UploadHooks {
  /** Before an upload is created: may replace the metadata that is stored. */
  onUploadCreate?(req: UploadRequest, upload: Upload): Promise<{ metadata?: Upload['metadata'] } | void>;
  /** Once every byte of an upload is stored, before the request is answered: may change the answer. */
  onUploadFinish?(req: UploadRequest, upload: Upload): Promise<FinishAnswer | void>;
}

/** What onUploadFinish may change in the answer to the request that completed the upload. */
export interface FinishAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
}

/** When a request wrote into an upload, starting at `offset`. */
export interface WriteSpan {
  id: string;
  offset: number;
  startedAt: Date;
  endedAt: Date;
}

/**
 * What happened to uploads, as the handlers report it; the engine turns it
 * into event log lines and keeps the catalog current.
 */
export interface UploadLifecycle {
  created(upload: Upload, concat: 'partial' | 'final' | null): void;
  /** Bytes received so far by a running PATCH or creation; only when `observed`. */
  progress(id: string, offset: number): void;
  /** Whether anyone records progress and write spans (the event log): nothing is measured for them otherwise. */
  readonly observed: boolean;
  /** When a request wrote into an upload; only when `observed`. */
  wrote(span: WriteSpan): void;
  finished(upload: Upload): void;
  terminated(id: string): void;
}
