import fsp from 'node:fs/promises';
import path from 'node:path';

/** Where post-* events wait for the receiver: a folder, or Redis with REDIS_URL. */
export interface Outbox {
  /** Sends what a previous run (or another instance) left. */
  start(): Promise<void>;
  /** Keeps `record`, then delivers it; resolves once it is kept. */
  add(record: OutboxRecord): Promise<void>;
  /** Stops delivering; what is kept stays for the next run. */
  stop(): void;
}

/** A post-* event waiting for its receiver: its idempotency key and the request body to send. */
export interface OutboxRecord {
  key: string;
  body: string;
}

/** How deliveries are retried: doubling from `firstMs` up to `maxMs`, for ever. */
export interface RetryPolicy {
  firstMs: number;
  maxMs: number;
}

/** At most this many deliveries at once: a receiver back from an outage gets the backlog at a steady pace. */
export const PARALLEL_DELIVERIES = 8;

/** The delay before attempt `attempt + 1`, after `attempt` failures. */
export function retryDelay(retry: RetryPolicy, attempt: number): number {
  return Math.min(retry.maxMs, retry.firstMs * 2 ** (attempt - 1));
}

const RECORD = /^\d{13}-[A-Za-z0-9_.-]+\.json$/;

/**
 * Post-* events on their way to the webhook receiver, kept in a folder so
 * that none is lost: each is a file written (and, with `sync`, flushed with
 * its folder entry) before the request that caused it is answered, and
 * removed once the receiver took it (2xx). Delivery is at least once: a crash
 * between the receiver's answer and the removal sends it again, with the same
 * idempotency key. Retries back off and go on after a restart, which reads
 * the folder again.
 */
export class FileOutbox implements Outbox {
  private readonly waiting: Array<{ file: string; record: OutboxRecord }> = [];
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private stopped = false;

  constructor(
    private readonly directory: string,
    private readonly sync: boolean,
    private readonly deliver: (record: OutboxRecord) => Promise<void>,
    private readonly retry: RetryPolicy,
    private readonly report: (message: string) => void,
  ) {}

  /** Sends what a previous run left, as soon as the receiver takes it. */
  async start(): Promise<void> {
    await fsp.mkdir(this.directory, { recursive: true });
    const names = (await fsp.readdir(this.directory)).sort();
    for (const name of names) {
      if (name.startsWith('.tmp-')) await fsp.rm(path.join(this.directory, name), { force: true });
      else if (RECORD.test(name)) {
        const record = JSON.parse(await fsp.readFile(path.join(this.directory, name), 'utf8')) as OutboxRecord;
        this.queue(name, record);
      }
    }
    if (this.waiting.length > 0) this.report(`${this.waiting.length} event(s) left by the last run are being delivered`);
  }

  /** Keeps `record` (durably with `sync`), then delivers it; resolves once it is kept. */
  async add(record: OutboxRecord): Promise<void> {
    const name = `${String(Date.now()).padStart(13, '0')}-${record.key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
    const temp = path.join(this.directory, `.tmp-${name}`);
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(record));
      if (this.sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, path.join(this.directory, name));
    if (this.sync) {
      const folder = await fsp.open(this.directory, 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    }
    this.queue(name, record);
  }

  /** Stops delivering (the records stay for the next run). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  private queue(file: string, record: OutboxRecord): void {
    this.waiting.push({ file, record });
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < PARALLEL_DELIVERIES && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running += 1;
      void this.attempt(next.file, next.record).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async attempt(file: string, record: OutboxRecord): Promise<void> {
    try {
      await this.deliver(record);
    } catch (error) {
      const attempt = (this.attempts.get(file) ?? 0) + 1;
      this.attempts.set(file, attempt);
      const delay = retryDelay(this.retry, attempt);
      if (attempt === 1 || (delay === this.retry.maxMs && retryDelay(this.retry, attempt - 1) < delay)) {
        this.report(
          `${record.key} not delivered (${error instanceof Error ? error.message : String(error)}); retrying in ${delay / 1000} s`,
        );
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.queue(file, record);
      }, delay);
      timer.unref();
      this.timers.add(timer);
      return;
    }
    this.attempts.delete(file);
    // Not flushed: if the removal is lost, the receiver gets the event again, with its key.
    await fsp.rm(path.join(this.directory, file), { force: true });
  }
}
