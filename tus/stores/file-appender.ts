import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FlushTimer } from '../metrics/prometheus';

/**
 * Received bytes are gathered into writes of up to this size: one system call
 * and one thread-pool round trip per 512 KiB instead of one per socket read
 * (16 to 64 KiB). While a write runs, at most one more batch is gathered
 * before the body is paused, so an upload holds at most two batches in memory.
 *
 * Not 1 MiB: a write of 1 MiB or more makes the kernel fill large page-cache
 * folios, and where free memory has been handed back to the hypervisor (free
 * page reporting, as on the VMs we measure on) every such folio is faulted in
 * again. A 1 GiB file written in 1 MiB writevs then took 1.1-1.3 s of system
 * CPU, in 2 MiB writes 2.7 s, and in 512 KiB writes 0.26-0.30 s. With memory
 * not handed back, 512 KiB and 1 MiB cost the same (0.29 against 0.25 s).
 */
const BATCH_BYTES = 512 * 1024;

/**
 * What all the appends of the process may hold in memory at once, in bytes:
 * each gets an equal share (two batches), so one upload still writes 512 KiB
 * at a time while 64 at once hold 128 KiB each, not 2 MiB each (128 MiB). The
 * rest of their bodies waits in the kernel's socket buffers. Bytes held past
 * a garbage collection are also what makes V8 collect its old generation
 * again and again (external memory pressure).
 */
const HELD_BYTES = 16 * 1024 * 1024;

/** The smallest batch, however many appends run: one socket read. */
const MIN_BATCH_BYTES = 64 * 1024;

/**
 * While several appends run, received bytes are copied into blocks of this
 * size, reused from one write to the next: the buffers Node allocates for
 * each socket read are then dropped at once, and die young (cheap to
 * collect), instead of waiting behind other uploads' writes until many have
 * outlived two collections and stay until V8's next full one (64 uploads at
 * once: 70-80 MiB above idle without the copy, 18-33 with it). An append
 * that runs alone writes Node's buffers as they are: the copy was 16% of the
 * CPU of a single 1 GiB upload (about 0.25 s/GB), and one upload holds 1 MiB
 * at most, for the time of one write.
 */
const BLOCK_BYTES = 64 * 1024;

/** Blocks waiting for their next use; never more than HELD_BYTES of them. */
const freeBlocks: Buffer[] = [];

function takeBlock(): Buffer {
  return freeBlocks.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
}

/** A part of a batch: one of Node's buffers as received, or a block of the pool. */
interface Segment {
  buffer: Buffer;
  pooled: boolean;
}

function releaseBlocks(segments: Segment[]): void {
  for (const { buffer, pooled } of segments) {
    // A block cut short when the batch went on with Node's buffers is a view: its whole block goes back.
    if (pooled && freeBlocks.length * BLOCK_BYTES < HELD_BYTES) freeBlocks.push(Buffer.from(buffer.buffer, buffer.byteOffset, BLOCK_BYTES));
  }
}

/** Appends running in this process, which share HELD_BYTES. */
let running = 0;

/** The batch size of each append now. */
function batchBytes(): number {
  return Math.max(MIN_BATCH_BYTES, Math.min(BATCH_BYTES, Math.floor(HELD_BYTES / 2 / running)));
}

/**
 * A batch that stops growing (the client is slow or stalled) is written after
 * this delay: bytes received do not wait in memory for the next ones, and
 * what a stalled client sent shows on disk at once.
 */
const IDLE_FLUSH_MS = 10;

/**
 * Every this many bytes written, a flush to the disk starts in the background
 * while the next bytes arrive: the flush that must end before the answer then
 * finds little left to write, instead of the whole body. 8 MiB against 128 MiB,
 * in two bench runs: PATCHes of 16 MiB 1.06x and 1.09x the flushing sink
 * instead of 0.65x and 0.82x (their last flush held all 16 MiB), a single
 * 1 GiB PATCH no slower, 64 concurrent uploads within the noise.
 */
const BACKGROUND_SYNC_BYTES = 8 * 1024 * 1024;

export interface AppendOptions {
  /** Flush to the disk (fdatasync) before resolving; off only to measure what durability costs. */
  sync: boolean;
  /** Measures each flush (metrics). */
  timeFlush?: FlushTimer;
}

const untimed: FlushTimer = (_target, flush) => flush();

/**
 * Appends a stream to an open file from `start` and resolves with the
 * position after its last byte, flushed to the disk when `sync` is on.
 * When the stream fails, the bytes received before the failure are still
 * written (a resumable upload keeps what it got) and the failure is thrown.
 */
export function appendStream(
  source: Readable,
  handle: FileHandle,
  start: number,
  { sync, timeFlush = untimed }: AppendOptions,
): Promise<number> {
  running += 1;
  return new Promise<number>((resolve, reject) => {
    let position = start;
    // The batch, in order: Node's own buffers (kept as they are) and blocks of the pool (the last one filled up to `filled`).
    let batch: Segment[] = [];
    let filled = 0;
    let batched = 0;
    let writing = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let unsynced = 0;
    let syncing: Promise<void> | null = null;
    let syncFailure: unknown = null;
    let ended = false;
    let sourceFailure: unknown = null;
    let settled = false;

    const settle = (error: unknown) => {
      if (settled) return;
      settled = true;
      running -= 1;
      clearTimeout(idleTimer);
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      if (error !== null) reject(error);
      else resolve(position);
    };

    const writeBatch = async (segments: Segment[], last: number, total: number) => {
      const buffers = segments.map(({ buffer, pooled }, index) =>
        pooled && index === segments.length - 1 ? buffer.subarray(0, last) : buffer,
      );
      let pending = buffers;
      let left = total;
      while (left > 0) {
        const { bytesWritten } = await handle.writev(pending, position);
        position += bytesWritten;
        left -= bytesWritten;
        // A short write (rare on a regular file): the rest goes again.
        if (left > 0) pending = [Buffer.concat(pending).subarray(bytesWritten)];
      }
      releaseBlocks(segments);
      unsynced += total;
      if (sync && syncing === null && unsynced >= BACKGROUND_SYNC_BYTES) {
        unsynced = 0;
        syncing = timeFlush('data', () => handle.datasync()).then(
          () => {
            syncing = null;
          },
          (error: unknown) => {
            syncing = null;
            syncFailure ??= error;
          },
        );
      }
    };

    const flush = () => {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      const segments = batch;
      const last = filled;
      const total = batched;
      batch = [];
      filled = 0;
      batched = 0;
      writing = true;
      writeBatch(segments, last, total).then(afterWrite, (error: unknown) => {
        writing = false;
        source.pause();
        settle(error);
      });
    };

    const afterWrite = () => {
      writing = false;
      if (batched >= batchBytes() || (ended && batched > 0)) flush();
      else if (ended) void finish();
      else if (batched > 0) armIdleFlush();
      source.resume();
    };

    const armIdleFlush = () => {
      idleTimer ??= setTimeout(() => {
        idleTimer = undefined;
        if (!writing && batched > 0) flush();
      }, IDLE_FLUSH_MS);
    };

    const finish = async () => {
      try {
        await syncing;
        if (syncFailure !== null) throw syncFailure;
        if (sync && position > start) await timeFlush('data', () => handle.datasync());
        settle(sourceFailure);
      } catch (error) {
        settle(error);
      }
    };

    const onData = (chunk: Buffer) => {
      if (running === 1) {
        // Alone, an append holds its 1 MiB at most for the time of one write: Node's buffers die young as they are.
        if (filled > 0) batch[batch.length - 1].buffer = batch[batch.length - 1].buffer.subarray(0, filled);
        filled = 0;
        batch.push({ buffer: chunk, pooled: false });
      } else {
        for (let copied = 0; copied < chunk.length;) {
          const current = batch[batch.length - 1];
          if (current === undefined || !current.pooled || filled === BLOCK_BYTES) {
            batch.push({ buffer: takeBlock(), pooled: true });
            filled = 0;
          }
          const bytes = chunk.copy(batch[batch.length - 1].buffer, filled, copied);
          filled += bytes;
          copied += bytes;
        }
      }
      batched += chunk.length;
      const full = batched >= batchBytes();
      if (writing) {
        if (full) source.pause();
      } else if (full) {
        flush();
      } else {
        armIdleFlush();
      }
    };
    const onEnd = () => {
      ended = true;
      if (writing) return;
      if (batched > 0) flush();
      else void finish();
    };
    const onError = (error: unknown) => {
      sourceFailure = error;
      onEnd();
    };

    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    // A source that failed while the file was being opened has no event left to send.
    if (source.destroyed && !source.readableEnded) onError(source.errored ?? new Error('the request body ended before it was read'));
  });
}
