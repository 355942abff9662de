import fs from 'node:fs';
import path from 'node:path';

/**
 * An append-only JSON-lines record of what the endpoint did: one line per
 * request answered and per upload event (created, progress, finished,
 * terminated). Operators get an audit trail; tests observe the server
 * through it instead of polling HEAD (which would steal the upload's lock).
 */
export interface EventLog {
  write(event: UploadEvent): void;
}

export type UploadEvent =
  | { type: 'request'; method: string; id: string | null; status: number; requestOffset: number | null; responseOffset: number | null }
  | { type: 'created'; id: string; size: number | null; offset: number }
  | { type: 'progress'; id: string; offset: number }
  | { type: 'finished'; id: string; size: number }
  | { type: 'terminated'; id: string };

export function openEventLog(file: string | null): EventLog {
  if (file === null) return { write() {} };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stream = fs.createWriteStream(file, { flags: 'a' });
  stream.on('error', (error) => console.error(`event log ${file}: ${error.message}`));
  return {
    write(event) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, ...event })}\n`);
    },
  };
}
