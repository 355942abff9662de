import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect, test } from '@playwright/test';
import { Upload } from '@tus/server';
import { LocalFileStore } from './file';

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
  const warn = console.warn;
  console.warn = (line: string) => warnings.push(line);
  try {
    await store.recoverAfterRestart();
  } finally {
    console.warn = warn;
  }

  expect(fs.readdirSync(dir).sort()).toEqual([id(1), `${id(1)}.json`, id(2), `${id(2)}.json`, id(3), `${id(3)}.json`, 'README.txt'].sort());
  // One line per repair: 3 work files, uploads 4, 5, 6, 7 and the stale marker.
  expect(warnings).toHaveLength(8);
  for (const n of [4, 5, 6, 7, 8]) expect(warnings.some((line) => line.includes(id(n)))).toBe(true);
  expect(warnings.every((line) => line.startsWith('[upload] recovery: '))).toBe(true);

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
