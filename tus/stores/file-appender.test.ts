import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { expect, test } from '@playwright/test';
import { appendStream } from './file-appender';

// How request bodies reach the disk: few large writes, flushes that overlap
// the transfer, and nothing held back from a client that stalls or fails.

type FileHandle = fsp.FileHandle;
const KiB = 1024;
const MiB = 1024 * KiB;

let dir: string;
let file: string;
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-appender-'));
  file = path.join(dir, 'data');
  fs.writeFileSync(file, '');
});
test.afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Counts the writev and datasync calls of every FileHandle while `run` runs, and keeps the buffers written;
 * `onWritten` sees each write's size once done.
 */
async function counting<T>(
  run: () => Promise<T>,
  onWritten?: (bytes: number) => void,
): Promise<{ result: T; writes: number; datasyncs: number; largestWrite: number; written: Set<NodeJS.ArrayBufferView> }> {
  const probe = await fsp.open(__filename, 'r');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const { writev, datasync } = proto;
  let writes = 0;
  let datasyncs = 0;
  let largestWrite = 0;
  const written = new Set<NodeJS.ArrayBufferView>();
  proto.writev = async function (this: FileHandle, ...args: Parameters<FileHandle['writev']>) {
    writes += 1;
    for (const buffer of args[0]) written.add(buffer);
    const bytes = args[0].reduce((sum, buffer) => sum + buffer.byteLength, 0);
    largestWrite = Math.max(largestWrite, bytes);
    const result = await writev.apply(this, args);
    onWritten?.(bytes);
    return result;
  } as FileHandle['writev'];
  proto.datasync = function (this: FileHandle) {
    datasyncs += 1;
    return datasync.call(this);
  };
  try {
    return { result: await run(), writes, datasyncs, largestWrite, written };
  } finally {
    proto.writev = writev;
    proto.datasync = datasync;
  }
}

async function appendTo(source: Readable, sync = true): Promise<number> {
  const handle = await fsp.open(file, 'r+');
  try {
    return await appendStream(source, handle, 0, { sync });
  } finally {
    await handle.close();
  }
}

/** `count` pieces of `size` bytes, each filled with its index, like socket reads. */
function pieces(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => Buffer.alloc(size, index % 251));
}

test('a body arriving in 64 KiB pieces is written in 512 KiB writes of the buffers received, byte-exact, and flushed once', async () => {
  // 6 MiB: below the size at which a flush starts in the background.
  const body = pieces(96, 64 * KiB);
  const { result, writes, largestWrite, datasyncs, written } = await counting(() => appendTo(Readable.from(body)));
  // Alone, an append writes the buffers it received as they are: no copy.
  expect([...written].every((buffer) => body.includes(buffer as Buffer))).toBe(true);
  expect(result).toBe(6 * MiB);
  expect(writes).toBeLessThanOrEqual(13);
  // Not larger: a 1 MiB write fills large page-cache folios, slow where free memory went back to the host.
  expect(largestWrite).toBeLessThanOrEqual(512 * KiB);
  expect(datasyncs).toBe(1);
  expect(fs.readFileSync(file).equals(Buffer.concat(body))).toBe(true);
});

test('many bodies at once share the memory: each is written in smaller batches, byte-exact', async () => {
  // 32 appends share 16 MiB: batches of 256 KiB at most, so 32 uploads hold 16 MiB, not 64.
  const count = 32;
  const files = Array.from({ length: count }, (_, index) => path.join(dir, `data-${index}`));
  const bodies = files.map((_, index) => pieces(16, 64 * KiB).map((piece) => piece.fill(index)));
  const sources = files.map(() => new PassThrough());
  for (const name of files) fs.writeFileSync(name, '');
  const handles = await Promise.all(files.map((name) => fsp.open(name, 'r+')));
  // The bodies end only once all their bytes are written: every write is made while all 32 run.
  let written = 0;
  const onWritten = (bytes: number) => {
    written += bytes;
    if (written === count * MiB) for (const source of sources) source.end();
  };
  try {
    const { result, largestWrite, written } = await counting(() => {
      const appends = handles.map((handle, index) => appendStream(sources[index], handle, 0, { sync: false }));
      for (const [index, source] of sources.entries()) for (const piece of bodies[index]) source.write(piece);
      return Promise.all(appends);
    }, onWritten);
    expect(result).toEqual(files.map(() => MiB));
    expect(largestWrite).toBeLessThanOrEqual(256 * KiB);
    // Many at once copy into the shared blocks: the received buffers are let go at once (they would outlive collections).
    const received = new Set(bodies.flat());
    expect([...written].some((buffer) => received.has(buffer as Buffer))).toBe(false);
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
  for (const [index, name] of files.entries()) expect(fs.readFileSync(name).equals(Buffer.concat(bodies[index]))).toBe(true);
});

test('a long body is flushed to the disk while it arrives, not only at its end', async () => {
  const piece = Buffer.alloc(MiB, 7);
  const { result, datasyncs } = await counting(() => appendTo(Readable.from(Array.from({ length: 20 }, () => piece))));
  expect(result).toBe(20 * MiB);
  // At least one flush in the background (every 8 MiB written), then the final one.
  expect(datasyncs).toBeGreaterThanOrEqual(2);
});

/** Waits (bounded) until the file holds `bytes` bytes. */
async function untilOnDisk(bytes: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (fs.statSync(file).size < bytes) {
    if (Date.now() > deadline) throw new Error(`only ${fs.statSync(file).size} of ${bytes} bytes on disk`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('the bytes of a client that stalls are on disk while it stalls', async () => {
  const source = new PassThrough();
  const appending = appendTo(source);
  source.write(Buffer.alloc(100 * KiB, 1));
  await untilOnDisk(100 * KiB);
  source.end(Buffer.alloc(KiB, 2));
  expect(await appending).toBe(101 * KiB);
});

test('a body that fails keeps every byte received before the failure', async () => {
  const source = new PassThrough();
  const appending = appendTo(source, false);
  source.write(Buffer.alloc(100 * KiB, 3));
  await untilOnDisk(100 * KiB);
  const cut = new Error('client vanished');
  source.destroy(cut);
  await expect(appending).rejects.toBe(cut);
  expect(fs.statSync(file).size).toBe(100 * KiB);
});

test('a body that failed before the append began fails the append instead of hanging it', async () => {
  // The store opens the file first; a client that vanishes meanwhile has sent its last event already.
  const source = new PassThrough();
  const cut = new Error('client vanished while the file was opened');
  source.on('error', () => undefined);
  source.destroy(cut);
  await new Promise((resolve) => setImmediate(resolve));
  await expect(appendTo(source, false)).rejects.toBe(cut);
  expect(fs.statSync(file).size).toBe(0);
});
