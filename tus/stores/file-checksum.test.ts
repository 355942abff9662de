import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect, test } from '@playwright/test';
import { Upload } from '@tus/server';
import type { ExpectedChecksum } from '../checksum';
import { LocalFileStore } from './file';

// A chunk with a checksum is written once, in place, and counts only once
// verified: before, readers see the upload as it was, a refused chunk is cut
// away, and after a crash start-up keeps the chunk only if it is whole and
// matches its checksum.

let dir: string;
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-checksum-'));
});
test.afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const id = (n: number) => n.toString(16).padStart(32, '0');
const sha1 = (data: Buffer): ExpectedChecksum => ({ algorithm: 'sha1', digest: createHash('sha1').update(data).digest() });
const dataOf = (n: number) => fs.readFileSync(path.join(dir, id(n)));
const marker = (n: number) => path.join(dir, `.${id(n)}.verifying`);

async function uploadWith(store: LocalFileStore, n: number, size: number, first: Buffer): Promise<void> {
  await store.create(new Upload({ id: id(n), size, offset: 0 }));
  await store.write(Readable.from([first]), id(n), 0);
}

test('a chunk is written in place but counts only once committed; a discarded one is cut away', async () => {
  const store = new LocalFileStore(dir, { soleWriter: true });
  const first = Buffer.from('01234');
  await uploadWith(store, 1, 20, first);

  const chunk = Buffer.from('abcdefghij');
  const staged = await store.stageChunk(id(1), 5, Readable.from([chunk]), sha1(chunk), chunk.length);
  expect(staged.length).toBe(10);
  // Once, in the data file; not counted yet, by any reader, and marked on disk.
  expect(dataOf(1).equals(Buffer.concat([first, chunk]))).toBe(true);
  expect((await store.readState(id(1))).upload.offset).toBe(5);
  expect((await store.describeUpload(id(1)))?.offset).toBe(5);
  expect(fs.existsSync(marker(1))).toBe(true);
  expect(await staged.commit()).toBe(15);
  expect((await store.readState(id(1))).upload.offset).toBe(15);
  expect(fs.existsSync(marker(1))).toBe(false);

  const wrong = await store.stageChunk(id(1), 15, Readable.from([Buffer.from('XYZ')]), sha1(Buffer.from('xyz')), 3);
  expect((await store.readState(id(1))).upload.offset).toBe(15);
  await wrong.discard();
  expect(dataOf(1).equals(Buffer.concat([first, chunk]))).toBe(true);
  expect((await store.readState(id(1))).upload.offset).toBe(15);
  expect(fs.existsSync(marker(1))).toBe(false);
});

test('after a crash, start-up keeps a chunk being verified only if it is whole and matches; other processes never count it', async () => {
  const chunk = Buffer.from('abcdefghij');
  const head = Buffer.from('01234');
  const setUp = (n: number, data: Buffer, length: number | null, digest = sha1(chunk)) => {
    fs.writeFileSync(path.join(dir, `${id(n)}.json`), JSON.stringify({ id: id(n), size: 40, offset: 0 }));
    fs.writeFileSync(path.join(dir, id(n)), data);
    fs.writeFileSync(marker(n), JSON.stringify({ offset: 5, length, algorithm: 'sha1', digest: digest.digest.toString('base64') }));
  };
  setUp(1, Buffer.concat([head, chunk]), 10); // whole and right (crashed before its answer): kept
  setUp(2, Buffer.concat([head, chunk.subarray(0, 7)]), 10); // cut short: dropped
  setUp(3, Buffer.concat([head, chunk, Buffer.from('later')]), 10); // committed, then more bytes; its marker came back: all kept
  setUp(4, Buffer.concat([head, Buffer.from('abcd')]), null); // no declared length, wrong: dropped
  setUp(5, Buffer.concat([head, chunk]), null, sha1(Buffer.from('other'))); // whole but wrong: dropped
  setUp(6, Buffer.concat([head, chunk]), null); // its checksum was to come in a trailer, so the marker has none: dropped
  fs.writeFileSync(marker(6), JSON.stringify({ offset: 5, length: null, algorithm: null, digest: null }));

  // Another process sharing the folder sees only the verified bytes.
  const other = new LocalFileStore(dir);
  for (const n of [1, 2, 3, 4, 5, 6]) expect((await other.readState(id(n))).upload.offset).toBe(5);

  const warn = console.warn;
  console.warn = () => undefined;
  try {
    await new LocalFileStore(dir, { soleWriter: true }).recoverAfterRestart();
  } finally {
    console.warn = warn;
  }
  expect(dataOf(1).equals(Buffer.concat([head, chunk]))).toBe(true);
  expect(dataOf(2).equals(head)).toBe(true);
  expect(dataOf(3).equals(Buffer.concat([head, chunk, Buffer.from('later')]))).toBe(true);
  expect(dataOf(4).equals(head)).toBe(true);
  expect(dataOf(5).equals(head)).toBe(true);
  expect(dataOf(6).equals(head)).toBe(true);
  for (const n of [1, 2, 3, 4, 5, 6]) expect(fs.existsSync(marker(n))).toBe(false);
});

test('a chunk whose checksum comes after it (a trailer) is staged the same way and read back whole to be verified', async () => {
  const store = new LocalFileStore(dir, { soleWriter: true });
  const first = Buffer.from('01234');
  await uploadWith(store, 1, 20, first);

  const chunk = Buffer.from('abcdefghij');
  const staged = await store.stageChunk(id(1), 5, Readable.from([chunk]), null, null);
  // Not counted, and the marker says the repair has nothing to verify it against.
  expect((await store.readState(id(1))).upload.offset).toBe(5);
  expect(JSON.parse(fs.readFileSync(marker(1), 'utf8'))).toEqual({ offset: 5, length: null, algorithm: null, digest: null });
  const readBack: Buffer[] = [];
  for await (const bytes of staged.bytes()) readBack.push(bytes as Buffer);
  expect(Buffer.concat(readBack).equals(chunk)).toBe(true);
  expect(await staged.commit()).toBe(15);
  expect(fs.existsSync(marker(1))).toBe(false);

  const empty = await store.stageChunk(id(1), 15, Readable.from([]), null, null);
  for await (const bytes of empty.bytes()) readBack.push(bytes as Buffer);
  expect(Buffer.concat(readBack).equals(chunk)).toBe(true);
  await empty.discard();
  expect(dataOf(1).equals(Buffer.concat([first, chunk]))).toBe(true);
  expect((await store.readState(id(1))).upload.offset).toBe(15);
});
