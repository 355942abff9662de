import fs from 'node:fs';
import path from 'node:path';

/**
 * An append-only JSON-lines record of what the endpoint did: one line per
 * request answered and per upload event (created, progress, write, finished,
 * terminated). Operators get an audit trail; tests observe the server
 * through it instead of polling HEAD (which would steal the upload's lock).
 */
export interface EventLog {
  /** False without a file: callers skip building lines nobody keeps. */
  readonly enabled: boolean;
  write(event: UploadEvent): void;
}

export type UploadEvent =
  | { type: 'request'; method: string; id: string | null; status: number; requestOffset: number | null; responseOffset: number | null }
  | { type: 'created'; id: string; size: number | null; offset: number; concat: 'partial' | 'final' | null }
  | { type: 'progress'; id: string; offset: number }
  | { type: 'write'; id: string; offset: number; startedAt: string; endedAt: string }
  | { type: 'finished'; id: string; size: number }
  | { type: 'terminated'; id: string }
  | { type: 'expired'; id: string };

export function openEventLog(file: string | null): EventLog {
  if (file === null) return { enabled: false, write() {} };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  let failed = false;
  return {
    enabled: true,
    write(event) {
      // Written synchronously (a few microseconds for one line): a request's
      // line is in the file before its response leaves, so whoever reads the
      // log after an answer finds it, and lines keep the order of events.
      try {
        fs.writeSync(fd, `${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event })}\n`);
      } catch (error) {
        // A full disk or a removed file must not fail uploads; say it once.
        if (!failed) console.error(`[upload] event log ${file}: ${(error as Error).message}`);
        failed = true;
      }
    },
  };
}
