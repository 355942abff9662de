import type { Logger } from 'pino';

/**
 * What the endpoint did, as records of the engine's log: one per request
 * answered (info) and per upload event (created, finished, terminated and
 * expired at info; progress and write spans at debug). With UPLOAD_EVENT_LOG
 * every one of them is also in that file: an audit trail for operators, and
 * how the tests observe the server instead of polling HEAD (which would steal
 * the upload's lock).
 */
export interface EventLog {
  /** Whether progress and write spans are recorded anywhere: nothing is measured for them otherwise. */
  readonly enabled: boolean;
  readonly logger: Logger;
  write(event: UploadEvent): void;
}

export type UploadEvent =
  | {
      type: 'request';
      reqId: string;
      method: string;
      path: string;
      id: string | null;
      status: number;
      ms: number;
      requestOffset: number | null;
      responseOffset: number | null;
    }
  | { type: 'created'; id: string; size: number | null; offset: number; concat: 'partial' | 'final' | null }
  | { type: 'progress'; id: string; offset: number }
  | { type: 'write'; id: string; offset: number; startedAt: string; endedAt: string }
  | { type: 'finished'; id: string; size: number }
  | { type: 'terminated'; id: string }
  | { type: 'expired'; id: string };

export function eventLogOf(logger: Logger): EventLog {
  return {
    enabled: logger.isLevelEnabled('debug'),
    logger,
    write(event) {
      if (event.type === 'progress' || event.type === 'write') logger.debug(event, event.type);
      else logger.info(event, event.type);
    },
  };
}
