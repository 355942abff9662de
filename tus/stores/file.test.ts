import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect, test } from '@playwright/test';
import { Upload } from '@tus/server';
import { LocalFileStore } from './file';
import pino, { type Logger } from 'pino';

// What the store flushes before it answers, and how start-up repairs a
// folder whose info and data files disagree after a crash.

type FileHandle = fsp.FileHandle;

let dir: string;
test.beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-store-'));
});
test.afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const id = (n: number) => n.toString(16).padStart(32, '0');

/** Records every fsync and fdatasync of any FileHandle while `run` runs. */
async function recordingSyncs(run: () => Promise<void>): Promise<Array<'sync' | 'datasync'>> {
  const probe = await fsp.open(__filename, 'r');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const calls: Array<'sync' | 'datasync'> = [];
  const { sync, datasync } = proto;
  proto.sync = function (this: FileHandle) {
    calls.push('sync');
    return sync.call(this);
  };
  proto.datasync = function (this: FileHandle) {
    calls.push('datasync');
    return datasync.call(this);
  };
  try {
    await run();
  } finally {
    proto.sync = sync;
    proto.datasync = datasync;
  }
  return calls;
}

test('creation flushes the info file and the folder; every write flushes its bytes before it resolves', async () => {
  const store = new LocalFileStore(dir);
  const upload = new Upload({ id: id(1), size: 10, offset: 0 });
  // Info file content, then the folder holding both new names.
  expect(await recordingSyncs(() => store.create(upload).then(() => undefined))).toEqual(['sync', 'sync']);
  let offset = 0;
  expect(
    await recordingSyncs(async () => {
      offset = await store.write(Readable.from([Buffer.from('hello')]), upload.id, 0);
    }),
  ).toEqual(['datasync']);
  expect(offset).toBe(5);
  expect(await recordingSyncs(() => store.write(Readable.from([Buffer.from('world')]), upload.id, 5).then(() => undefined))).toEqual([
    'datasync',
  ]);
  expect(fs.readFileSync(path.join(dir, upload.id), 'utf8')).toBe('helloworld');
});

test('a creation whose bytes follow resolves before its flushes end; its first write resolves only once they have', async () => {
  const store = new LocalFileStore(dir);
  const upload = new Upload({ id: id(1), size: 5, offset: 0 });
  const probe = await fsp.open(__filename, 'r');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const { sync } = proto;
  // Every fsync (the info file's, the folder's) is held until released.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let heldSyncs = 0;
  proto.sync = function (this: FileHandle) {
    heldSyncs++;
    return released.then(() => sync.call(this));
  };
  try {
    await store.createUpload(upload, { bytesFollow: true });
    const writing = store.write(Readable.from([Buffer.from('hello')]), upload.id, 0);
    const early = await Promise.race([writing.then(() => 'resolved'), new Promise((resolve) => setTimeout(resolve, 300, 'waiting'))]);
    expect(early, 'the bytes are flushed, the creation is not: no answer yet').toBe('waiting');
    release();
    expect(await writing).toBe(5);
    expect(heldSyncs, 'the info file and the folder').toBe(2);
  } finally {
    proto.sync = sync;
  }
  expect(fs.readFileSync(path.join(dir, upload.id), 'utf8')).toBe('hello');
  expect(JSON.parse(fs.readFileSync(path.join(dir, `${upload.id}.json`), 'utf8'))).toMatchObject({ id: upload.id, size: 5 });
});

test('a creation whose bytes follow but never come is flushed before remove() deletes it', async () => {
  const store = new LocalFileStore(dir);
  const upload = new Upload({ id: id(2), size: 5, offset: 0 });
  const calls = await recordingSyncs(async () => {
    await store.createUpload(upload, { bytesFollow: true });
    await store.remove(upload.id);
  });
  expect(calls).toEqual(['sync', 'sync']);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test('with sync off (only to measure its cost) nothing is flushed', async () => {
  const store = new LocalFileStore(dir, { sync: false });
  const upload = new Upload({ id: id(1), size: 3, offset: 0 });
  const calls = await recordingSyncs(async () => {
    await store.create(upload);
    await store.write(Readable.from([Buffer.from('abc')]), upload.id, 0);
  });
  expect(calls).toEqual([]);
});

test('start-up removes what disagrees and keeps every consistent upload as it was', async () => {
  const store = new LocalFileStore(dir);
  const info = (n: number, size: number | undefined, extra: object = {}) =>
    fs.writeFileSync(path.join(dir, `${id(n)}.json`), JSON.stringify({ id: id(n), size, offset: 0, ...extra }));
  const data = (n: number, bytes: number) => fs.writeFileSync(path.join(dir, id(n)), Buffer.alloc(bytes, 7));

  info(1, 10); // complete: kept
  data(1, 10);
  info(2, 10); // half way: kept, offset is what is on disk
  data(2, 4);
  info(3, undefined); // deferred length: kept
  data(3, 6);
  info(4, 10); // data file missing
  info(5, 10); // longer than its declared length
  data(5, 11);
  data(6, 3); // data without info (creation cut before its info file)
  fs.writeFileSync(path.join(dir, `${id(7)}.json`), '{"id":"'); // unreadable info
  data(7, 2);
  fs.writeFileSync(path.join(dir, `${id(8)}.pending`), ''); // marker of a final never created
  for (const work of [`.${id(2)}.0a1b2c.chunk`, `.${id(9)}.0a1b2c.assembling`, `.${id(2)}.json.0a1b2c.tmp`]) {
    fs.writeFileSync(path.join(dir, work), 'x');
  }
  fs.writeFileSync(path.join(dir, 'README.txt'), 'not ours'); // not an upload name: left alone

  const warnings: string[] = [];
  await new LocalFileStore(dir, { log: recording(warnings) }).recoverAfterRestart();

  expect(fs.readdirSync(dir).sort()).toEqual([id(1), `${id(1)}.json`, id(2), `${id(2)}.json`, id(3), `${id(3)}.json`, 'README.txt'].sort());
  // One line per repair: 3 work files, uploads 4, 5, 6, 7 and the stale marker.
  expect(warnings).toHaveLength(8);
  for (const n of [4, 5, 6, 7, 8]) expect(warnings.some((line) => line.includes(id(n)))).toBe(true);
  expect(warnings.every((line) => line.startsWith('recovery: '))).toBe(true);

  const described = await store.listUploads();
  expect(described.map((u) => [u.id, u.size, u.offset, u.completedAt !== null]).sort()).toEqual([
    [id(1), 10, 10, true],
    [id(2), 10, 4, false],
    [id(3), undefined, 6, false],
  ]);
});

test('createUpload records the owner (and a role) in the info file; it survives a deferred length; plain create() records none', async () => {
  const store = new LocalFileStore(dir);
  // Deferred length: the library's declareUploadLength rewrites the info file, which must keep the owner.
  await store.createUpload(new Upload({ id: id(1), size: undefined, offset: 0 }), { owner: 'alice' });
  await store.declareUploadLength(id(1), 4);
  await store.createUpload(new Upload({ id: id(2), size: 3, offset: 0 }), { owner: 'bob', concat: { kind: 'partial' } });
  await store.create(new Upload({ id: id(3), size: 1, offset: 0 }));

  const info = (n: number) => JSON.parse(fs.readFileSync(path.join(dir, `${id(n)}.json`), 'utf8')) as Record<string, unknown>;
  expect(info(1)).toMatchObject({ owner: 'alice', size: 4 });
  expect(info(1)).not.toHaveProperty('concat');
  expect(info(2)).toMatchObject({ owner: 'bob', concat: { kind: 'partial' } });
  expect(info(3)).not.toHaveProperty('owner');

  expect((await store.readState(id(1))).owner).toBe('alice');
  expect((await store.describeUpload(id(2)))?.owner).toBe('bob');
  expect((await store.readState(id(3))).owner).toBeUndefined();
  expect((await store.listUploads()).map((upload) => upload.owner).sort()).toEqual(['alice', 'bob', undefined]);
});

test("as the folder's sole writer, the store answers from memory what it wrote, and the files still have the last word", async () => {
  const store = new LocalFileStore(dir, { soleWriter: true });
  await store.createUpload(new Upload({ id: id(1), size: 5, offset: 0, metadata: { filename: 'a.txt' } }), {});
  await store.createUpload(new Upload({ id: id(2), size: undefined, offset: 0 }), {});
  await store.declareUploadLength(id(2), 9);
  // Unreadable files prove nobody read them: the info comes from memory.
  for (const n of [1, 2]) fs.writeFileSync(path.join(dir, `${id(n)}.json`), 'not json');
  const read = await store.readState(id(1));
  expect([read.upload.size, read.upload.metadata]).toEqual([5, { filename: 'a.txt' }]);
  // A caller may change what it gets without changing the next answer.
  read.upload.metadata!.filename = 'changed';
  expect((await store.readState(id(1))).upload.metadata).toEqual({ filename: 'a.txt' });
  expect((await store.readState(id(2))).upload.size).toBe(9);
  // Removed behind its back (npm run sweep is another process): gone, as the files say.
  fs.rmSync(path.join(dir, id(1)));
  fs.rmSync(path.join(dir, `${id(1)}.json`));
  await expect(store.readState(id(1))).rejects.toMatchObject({ status_code: 404 });
  // A store that shares the folder reads the files every time.
  await expect(new LocalFileStore(dir).readState(id(2))).rejects.toMatchObject({ status_code: 404 });
});

test('a small creation whose bytes follow writes them through O_DSYNC, flushed as written; a larger one is flushed after', async () => {
  const store = new LocalFileStore(dir);
  const opened: Array<{ file: string; dsync: boolean }> = [];
  const { open } = fsp;
  fsp.open = (async (file: fs.PathLike, flags?: string | number, mode?: fs.Mode) => {
    opened.push({ file: String(file), dsync: typeof flags === 'number' && (flags & fs.constants.O_DSYNC) !== 0 });
    return open(file, flags, mode);
  }) as typeof fsp.open;
  try {
    const small = new Upload({ id: id(1), size: 5, offset: 0 });
    const large = new Upload({ id: id(2), size: 2 ** 20, offset: 0 });
    const calls = await recordingSyncs(async () => {
      await store.createUpload(small, { bytesFollow: true });
      expect(await store.write(Readable.from([Buffer.from('hello')]), small.id, 0)).toBe(5);
    });
    // The info file and the folder; the bytes needed no call of their own.
    expect(calls).toEqual(['sync', 'sync']);
    expect(opened.find((o) => o.file.endsWith(small.id))).toEqual({ file: path.join(dir, small.id), dsync: true });
    const largeCalls = await recordingSyncs(async () => {
      await store.createUpload(large, { bytesFollow: true });
      await store.write(Readable.from([Buffer.alloc(2 ** 20, 1)]), large.id, 0);
    });
    expect(largeCalls.filter((call) => call === 'datasync').length).toBeGreaterThanOrEqual(1);
    expect(opened.find((o) => o.file.endsWith(large.id))?.dsync).toBe(false);
  } finally {
    fsp.open = open;
  }
  expect(fs.readFileSync(path.join(dir, id(1)), 'utf8')).toBe('hello');
});

// A final upload (concatenation) is a folder of hard links to its parts: no byte is copied.

/** Creates a complete partial upload `n` holding `bytes`. */
async function completePart(store: LocalFileStore, n: number, bytes: Buffer): Promise<string> {
  await store.createUpload(new Upload({ id: id(n), size: bytes.length, offset: 0 }), { concat: { kind: 'partial' } });
  if (bytes.length > 0) await store.write(Readable.from([bytes]), id(n), 0);
  return id(n);
}

async function createFinal(store: LocalFileStore, n: number, parts: string[], size: number | undefined): Promise<string> {
  const header = `final;${parts.map((part) => `/files/${part}`).join(' ')}`;
  await store.createUpload(new Upload({ id: id(n), size, offset: 0 }), { concat: { kind: 'final', header, parts } });
  return id(n);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

test('a final is its parts hard-linked in order: no byte copied, every range reads across them byte-exact', async () => {
  const store = new LocalFileStore(dir);
  const a = await completePart(store, 1, Buffer.from('hello '));
  const empty = await completePart(store, 2, Buffer.alloc(0));
  const b = await completePart(store, 3, Buffer.from('world'));
  const parts = [a, empty, b, a];
  const expected = Buffer.from('hello worldhello ');
  const final = await createFinal(store, 9, parts, expected.length);
  expect((await store.describeUpload(final))?.offset, 'nothing shows before assembly').toBe(0);

  await store.assembleFinal(final, parts);
  const pieces = fs.readdirSync(path.join(dir, final)).sort();
  expect(pieces).toHaveLength(4);
  pieces.forEach((piece, index) => {
    expect(fs.statSync(path.join(dir, final, piece)).ino, `piece ${index} is part ${parts[index]}'s own file`).toBe(
      fs.statSync(path.join(dir, parts[index])).ino,
    );
  });
  const described = await store.describeUpload(final);
  expect([described?.size, described?.offset, described?.completedAt !== null]).toEqual([expected.length, expected.length, true]);
  expect(fs.readdirSync(dir).some((name) => name.endsWith('.pending') || name.endsWith('.assembling'))).toBe(false);

  for (let start = 0; start < expected.length; start++) {
    for (let end = start; end < expected.length; end++) {
      expect((await readAll(await store.readRange(final, start, end))).toString()).toBe(expected.subarray(start, end + 1).toString());
    }
  }
});

test("a final keeps its parts' bytes after the parts are removed, and they go with the final", async () => {
  const store = new LocalFileStore(dir);
  const a = await completePart(store, 1, Buffer.from('abc'));
  const b = await completePart(store, 2, Buffer.from('defg'));
  const final = await createFinal(store, 9, [a, b], 7);
  await store.assembleFinal(final, [a, b]);
  expect(fs.statSync(path.join(dir, a)).nlink, 'the part and the final').toBe(2);

  await store.remove(a);
  await store.remove(b);
  expect(fs.readdirSync(dir).sort()).toEqual([final, `${final}.json`]);
  expect((await readAll(await store.readRange(final, 0, 6))).toString()).toBe('abcdefg');

  await store.remove(final);
  expect(fs.readdirSync(dir)).toEqual([]);
  await expect(store.readState(final)).rejects.toMatchObject({ status_code: 404 });
});

test('removing a final leaves its parts whole', async () => {
  const store = new LocalFileStore(dir);
  const a = await completePart(store, 1, Buffer.from('abc'));
  const final = await createFinal(store, 9, [a, a], 6);
  await store.assembleFinal(final, [a, a]);
  expect(fs.statSync(path.join(dir, a)).nlink).toBe(3);
  await store.remove(final);
  expect(fs.statSync(path.join(dir, a)).nlink).toBe(1);
  expect((await store.describeUpload(a))?.offset).toBe(3);
  expect(fs.readFileSync(path.join(dir, a), 'utf8')).toBe('abc');
});

test("a final of deferred-length parts learns its length when assembled; strict mode flushes the links' folder and the folder, os mode nothing", async () => {
  for (const sync of [true, false]) {
    fs.rmSync(dir, { recursive: true, force: true });
    const store = new LocalFileStore(dir, { sync });
    const a = await completePart(store, 1, Buffer.from('xy'));
    const final = await createFinal(store, 9, [a], undefined);
    expect((await store.describeUpload(final))?.size).toBeUndefined();
    const calls = await recordingSyncs(() => store.assembleFinal(final, [a]));
    // The size in the info file (its content, its folder), the links' folder, the folder for the rename.
    expect(calls).toEqual(sync ? ['sync', 'sync', 'sync', 'sync'] : []);
    expect(await store.describeUpload(final)).toMatchObject({ size: 2, offset: 2 });
  }
});

test('a part that cannot be linked is copied', async () => {
  const store = new LocalFileStore(dir);
  const a = await completePart(store, 1, Buffer.from('abc'));
  const final = await createFinal(store, 9, [a], 3);
  const { link } = fsp;
  fsp.link = (() => Promise.reject(Object.assign(new Error('too many links'), { code: 'EMLINK' }))) as typeof fsp.link;
  try {
    await store.assembleFinal(final, [a]);
  } finally {
    fsp.link = link;
  }
  const [piece] = fs.readdirSync(path.join(dir, final));
  expect(fs.statSync(path.join(dir, final, piece)).ino).not.toBe(fs.statSync(path.join(dir, a)).ino);
  expect((await readAll(await store.readRange(final, 0, 2))).toString()).toBe('abc');
});

test('start-up keeps a whole final, removes one whose links disagree, and assembles finals whose parts are in, old ones too', async () => {
  const store = new LocalFileStore(dir);
  const a = await completePart(store, 1, Buffer.from('abc'));
  const whole = await createFinal(store, 8, [a], 3);
  await store.assembleFinal(whole, [a]);
  const broken = await createFinal(store, 7, [a, a], 6);
  await store.assembleFinal(broken, [a, a]);
  fs.rmSync(path.join(dir, broken, fs.readdirSync(path.join(dir, broken))[0]));
  const pending = await createFinal(store, 6, [a], 3);
  // A final an earlier version created before its parts were in: an empty file and its marker.
  const older = await createFinal(store, 5, [a], 3);
  fs.rmdirSync(path.join(dir, older));
  fs.writeFileSync(path.join(dir, older), '');
  // The links of an assembly cut short by the crash.
  fs.mkdirSync(path.join(dir, `.${id(4)}.0a1b2c.assembling`));
  fs.linkSync(path.join(dir, a), path.join(dir, `.${id(4)}.0a1b2c.assembling`, '000000'));

  const warnings: string[] = [];
  await new LocalFileStore(dir, { log: recording(warnings) }).recoverAfterRestart();
  expect(warnings).toHaveLength(2);
  expect(warnings.some((line) => line.includes(broken) && line.includes('links 1 pieces, not its 2 parts'))).toBe(true);
  const after = new LocalFileStore(dir);
  for (const final of [whole, pending, older]) {
    expect(await after.describeUpload(final)).toMatchObject({ size: 3, offset: 3 });
    expect((await readAll(await after.readRange(final, 0, 2))).toString()).toBe('abc');
  }
  expect(await after.describeUpload(broken)).toBeNull();
  expect(fs.readdirSync(dir).filter((name) => name.startsWith('.') || name.endsWith('.pending'))).toEqual([]);
});

/** A log that keeps the message of every warning in `lines`. */
function recording(lines: string[]): Logger {
  return pino({ level: 'warn' }, { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) });
}
