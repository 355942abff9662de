import fs from 'node:fs';

/** One event of the server's event log (see tus/event-log.ts); the log's other lines are skipped. */
export type ServerEvent = {
  time: string;
  pid: number;
  type: 'request' | 'created' | 'progress' | 'write' | 'finished' | 'terminated' | 'expired';
  id: string | null;
  method?: string;
  status?: number;
  requestOffset?: number | null;
  responseOffset?: number | null;
  offset?: number;
  size?: number | null;
  /** A write's span (ISO times), under the upload's lock. */
  startedAt?: string;
  endedAt?: string;
};

/**
 * Follows the JSON-lines event log a test server writes, so tests can wait for
 * what the server did (an upload created, N bytes stored, a request answered)
 * without asking the server, which would disturb the upload under test.
 */
export class EventLogReader {
  private consumed = 0;
  private partial = '';
  private readonly events: ServerEvent[] = [];

  constructor(readonly file: string) {}

  /** Every event logged so far. */
  all(): ServerEvent[] {
    this.readNew();
    return [...this.events];
  }

  /** Resolves with the first event (old or new) that matches, or rejects after the timeout. */
  waitFor(match: (event: ServerEvent) => boolean, timeoutMs = 60_000, what = 'event'): Promise<ServerEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.all().find(match);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        return false;
      };
      const watcher = fs.watch(this.file, () => check());
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${this.file}`));
      }, timeoutMs);
      const finish = () => {
        watcher.close();
        clearTimeout(timer);
      };
      check();
    });
  }

  private readNew(): void {
    let chunk: Buffer;
    try {
      const fd = fs.openSync(this.file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        chunk = Buffer.alloc(size - this.consumed);
        fs.readSync(fd, chunk, 0, chunk.length, this.consumed);
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    this.consumed += chunk.length;
    const text = this.partial + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const record = JSON.parse(line) as Partial<ServerEvent>;
      if (record.type !== undefined) this.events.push(record as ServerEvent);
    }
  }
}
