import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS, type KvStore, Upload } from '@tus/server';
import type {
  ChunkStager,
  Concatenater,
  CreationDetails,
  RangeReader,
  StagedChunk,
  StateKeeper,
  StoredUpload,
  UploadLister,
  UploadState,
} from '../capabilities';
import { isUploadId } from '../upload-url';
import { isStorageFull } from '../errors';
import { appendStream } from './file-appender';
import { INFO_TEMP_FILE, InfoFiles, isNotFound, type UploadInfo } from './info-files';
import { stageInFile } from './staged-file';

/** Reads of a download are issued in blocks of this size. */
const READ_BLOCK = 256 * 1024;

/** Marks a final upload whose parts are not all assembled yet: `<id>.pending`. */
const PENDING_SUFFIX = '.pending';

/** Work files start with a dot so no listing mistakes them for uploads. */
const STAGED_CHUNK = /^\.[A-Za-z0-9_-]+\.[0-9a-f]+\.(chunk|assembling)$/;

const INFO_SUFFIX = '.json';

/** A data file left open by its creation for the first write, and whether its writes are durable as they return (O_DSYNC). */
interface OpenDataFile {
  handle: fsp.FileHandle;
  durableWrites: boolean;
}

/** The largest upload whose data file is opened with O_DSYNC at creation (a larger one is flushed as it grows, then at the end). */
const DURABLE_WRITES_MAX_BYTES = 64 * 1024;
const CREATE_DURABLY = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_DSYNC;

export interface LocalFileStoreOptions {
  /**
   * Flush to the disk before answering (default true): every write's bytes
   * (fdatasync), info files and the folder (fsync). Off, acknowledged bytes
   * are in the operating system's cache only (`durability: 'os'`).
   */
  sync?: boolean;
  /**
   * This process is the only one that writes the folder (no other instance
   * shares it): the info files it wrote are answered from memory.
   */
  soleWriter?: boolean;
}

/**
 * The embedded default: uploads on local disk, one data file and one
 * `<id>.json` info file per upload, in a single directory.
 *
 * The data file's size is the upload's offset and its modification time the
 * upload's last activity, so neither needs an info-file rewrite per PATCH.
 */
export class LocalFileStore extends FileStore implements UploadLister, RangeReader, StateKeeper, ChunkStager, Concatenater {
  private readonly infoFiles: InfoFiles;
  private readonly sync: boolean;
  /** Creations made with `bytesFollow` whose flushes are still running, by upload id (see createUpload). */
  private readonly unflushedCreations = new Map<string, Promise<void>>();
  /** The data files of creations made with `bytesFollow`, still open for their first write. */
  private readonly openDataFiles = new Map<string, OpenDataFile>();

  constructor(directory: string, { sync = true, soleWriter = false }: LocalFileStoreOptions = {}) {
    // The parent creates the folder asynchronously and throws from a callback on
    // failure; creating it here first turns a bad folder into a start-up error.
    fs.mkdirSync(directory, { recursive: true });
    const infoFiles = new InfoFiles(directory, sync, soleWriter);
    // The parent reads only the plain fields back (its own config store returns
    // parsed JSON too, never Upload instances), so the wider record fits.
    super({ directory, configstore: infoFiles as unknown as KvStore<Upload> });
    this.infoFiles = infoFiles;
    this.sync = sync;
    // The parent's `expiration` is not used: its clock never slides and its
    // sweeper deletes completed uploads. Expiration is the server's policy
    // (expiration.ts, sweeper.ts) on top of readState() and touch().
    this.extensions = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination'];
  }

  /**
   * Brings the folder back to a consistent state after the process stopped:
   * chunks staged for verification and half-assembled finals are dropped (the
   * upload never saw them), uploads whose info and data disagree are removed
   * (never served as complete when they are not), and finals whose parts are
   * complete are assembled. Only for the serving process at start-up, when no
   * request is in flight. Every repair prints one line.
   */
  async recoverAfterRestart(): Promise<void> {
    const names = new Set(await fsp.readdir(this.directory));
    const repair = async (what: string, ...files: string[]) => {
      for (const file of files) await fsp.rm(path.join(this.directory, file), { force: true });
      console.warn(`[upload] recovery: ${what}`);
    };
    for (const name of names) {
      if (STAGED_CHUNK.test(name) || INFO_TEMP_FILE.test(name)) await repair(`removed the unfinished work file ${name}`, name);
    }
    for (const name of names) {
      if (name.endsWith(INFO_SUFFIX)) {
        const id = name.slice(0, -INFO_SUFFIX.length);
        if (!isUploadId(id)) continue;
        const info = await this.infoFiles.get(id);
        const stats = await this.statData(id);
        const marker = `${id}${PENDING_SUFFIX}`;
        if (!info) await repair(`removed upload ${id}: its info file is unreadable`, name, id, marker);
        else if (!stats?.isFile()) await repair(`removed upload ${id}: its data file is missing`, name, marker);
        else if (info.size !== undefined && stats.size > info.size) {
          // Bytes beyond the declared length: which of them belong to the upload cannot be known.
          await repair(`removed upload ${id}: it holds ${stats.size} bytes, more than its length ${info.size}`, name, id, marker);
        }
      } else if (name.endsWith(PENDING_SUFFIX)) {
        const id = name.slice(0, -PENDING_SUFFIX.length);
        if (isUploadId(id) && !names.has(`${id}${INFO_SUFFIX}`))
          await repair(`removed the marker ${name} of an upload never created`, name);
      } else if (isUploadId(name) && !names.has(`${name}${INFO_SUFFIX}`)) {
        await repair(`removed data file ${name}: it has no info file (its creation never completed)`, name);
      }
    }
    if (this.sync) await this.infoFiles.syncDirectory();
    for (const final of await this.pendingFinals()) {
      const parts = await Promise.all(final.parts.map((id) => this.describeUpload(id)));
      if (parts.every((part) => part !== null && part.size === part.offset)) await this.assembleFinal(final.id, final.parts);
    }
  }

  /**
   * Appends a request's bytes at `offset`, streamed, and flushes them
   * (fdatasync) before it resolves: the offset a 204 or 201 announces is on
   * the disk, and so are all the bytes of an upload acknowledged as complete.
   * Bytes received before a failure stay in the file (a resumable upload keeps
   * what it got); the next HEAD reports them.
   */
  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const creation = this.takeUnflushedCreation(id);
    const open = this.takeOpenDataFile(id);
    const handle = open?.handle ?? (await fsp.open(this.dataPath(id), 'r+'));
    // A file opened with O_DSYNC is on the disk after each write: no fdatasync to add.
    const sync = this.sync && open?.durableWrites !== true;
    try {
      const [stored, created] = await Promise.allSettled([appendStream(readable, handle, offset, { sync }), creation]);
      if (stored.status === 'rejected') throw stored.reason;
      // The bytes are on the disk, but an upload whose creation did not reach it could vanish with them.
      if (created.status === 'rejected') throw created.reason;
      return stored.value;
    } catch (error) {
      // A full disk stays recognisable (507); any other failure is the library's write error.
      throw isStorageFull(error) ? error : ERRORS.FILE_WRITE_ERROR;
    } finally {
      await handle.close();
    }
  }

  async listUploads(): Promise<StoredUpload[]> {
    const ids = await this.infoFiles.list();
    const uploads = await Promise.all(ids.map((id) => this.describeUpload(id)));
    return uploads.filter((upload): upload is StoredUpload => upload !== null);
  }

  async describeUpload(id: string): Promise<StoredUpload | null> {
    const found = await this.infoAndData(id);
    if (found === 'no-info' || found === 'no-data') return null;
    const { info, stats } = found;
    const complete = info.size !== undefined && stats.size === info.size;
    return {
      id,
      size: info.size,
      offset: stats.size,
      metadata: info.metadata ?? {},
      createdAt: info.creation_date ? new Date(info.creation_date) : stats.birthtime,
      completedAt: complete ? stats.mtime : null,
      lastActivity: stats.mtime,
      concat: info.concat ?? null,
      owner: info.owner,
    };
  }

  async readState(id: string): Promise<UploadState> {
    const found = await this.infoAndData(id);
    if (found === 'no-info') throw ERRORS.FILE_NOT_FOUND;
    if (found === 'no-data') throw ERRORS.FILE_NO_LONGER_EXISTS;
    const { info, stats } = found;
    const upload = new Upload({
      id,
      size: info.size,
      offset: stats.size,
      metadata: info.metadata,
      creation_date: info.creation_date,
      storage: { type: 'file', path: this.dataPath(id) },
    });
    return { upload, concat: info.concat ?? null, lastActivity: stats.mtime, owner: info.owner };
  }

  async touch(id: string): Promise<void> {
    const now = new Date();
    await fsp.utimes(this.dataPath(id), now, now);
  }

  async stageChunk(id: string, offset: number, data: Readable): Promise<StagedChunk> {
    const dataFile = this.dataPath(id);
    return stageInFile(data, this.workFile(id, 'chunk'), async (staged) => {
      const { size } = await fsp.stat(dataFile);
      // The caller holds the upload's lock, so this only fails if the folder was changed behind our back.
      if (size !== offset) throw new Error(`upload ${id} holds ${size} bytes, expected ${offset}`);
      return this.write(staged, id, offset);
    });
  }

  /** The parent's create() without its per-upload mkdir: the folder exists from start-up. */
  override async create(upload: Upload): Promise<Upload> {
    await this.createUpload(upload, {});
    return upload;
  }

  /**
   * create(), with the upload's role in a concatenation and its owner
   * recorded in its info file. With `bytesFollow`, it resolves as soon as the
   * files exist, and the upload's first write flushes its bytes while the
   * creation's own flushes run: it resolves when both are on the disk (one
   * flush's wait instead of three in a row for a small creation-with-upload).
   */
  async createUpload(upload: Upload, { concat, owner, bytesFollow = false }: CreationDetails): Promise<void> {
    // The marker comes first: a crash then leaves a marker without an upload
    // (ignored), never a final nobody will assemble.
    if (concat?.kind === 'final') await fsp.writeFile(this.pendingMarker(upload.id), '');
    const info: UploadInfo = { ...upload, ...(concat && { concat }), ...(owner !== undefined && { owner }) };
    // The empty data file and the info file are written at the same time; one flush of the folder covers both names.
    // When bytes follow, the data file stays open for them: an open and a close fewer per small upload.
    // A small upload's bytes go out in one write or a few: with O_DSYNC each is flushed as it is made, one call fewer.
    const durableWrites = this.sync && upload.size !== undefined && upload.size <= DURABLE_WRITES_MAX_BYTES;
    const opening = bytesFollow ? fsp.open(this.dataPath(upload.id), durableWrites ? CREATE_DURABLY : 'w') : null;
    let durable: Promise<void>;
    try {
      ({ durable } = await this.infoFiles.create(upload.id, info, opening ?? fsp.writeFile(this.dataPath(upload.id), '')));
    } catch (error) {
      await opening?.then((handle) => handle.close()).catch(() => undefined);
      throw error;
    }
    upload.storage = { type: 'file', path: this.dataPath(upload.id) };
    if (!opening) return durable;
    this.openDataFiles.set(upload.id, { handle: await opening, durableWrites });
    this.unflushedCreations.set(upload.id, durable);
    // Flushed before the first write came: nothing left for it to wait for. A failed flush stays until a write or remove() takes it.
    durable.then(
      () => {
        if (this.unflushedCreations.get(upload.id) === durable) this.unflushedCreations.delete(upload.id);
      },
      () => undefined,
    );
  }

  async assembleFinal(finalId: string, parts: string[]): Promise<void> {
    const info = await this.infoFiles.get(finalId);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    let total = 0;
    for (const part of parts) {
      const stats = await this.statData(part);
      if (!stats) throw ERRORS.FILE_NOT_FOUND;
      total += stats.size;
    }
    if (info.size === undefined) {
      // Parts created with a deferred length: the final's length is known only now.
      // Recorded before any byte so the final never looks complete while it is not.
      await this.infoFiles.set(finalId, { ...info, size: total });
    }
    const temp = this.workFile(finalId, 'assembling');
    const out = fs.createWriteStream(temp, { flags: 'wx' });
    try {
      for (const part of parts) {
        for await (const chunk of fs.createReadStream(this.dataPath(part), { highWaterMark: READ_BLOCK })) {
          if (!out.write(chunk)) await once(out, 'drain');
        }
      }
      out.end();
      await finished(out);
      if (this.sync) await syncFile(temp);
      // The final shows all of its bytes at once or none: a reader never sees it half-assembled.
      await fsp.rename(temp, this.dataPath(finalId));
      if (this.sync) await this.infoFiles.syncDirectory();
    } catch (error) {
      out.destroy();
      await fsp.rm(temp, { force: true });
      throw error;
    }
    await fsp.rm(this.pendingMarker(finalId), { force: true });
    // A part's clean-up clock restarts when a final uses it.
    await Promise.all([...new Set(parts)].map((part) => this.touch(part).catch(() => undefined)));
  }

  async pendingFinals(): Promise<Array<{ id: string; parts: string[] }>> {
    const names = await fsp.readdir(this.directory);
    const finals: Array<{ id: string; parts: string[] }> = [];
    for (const name of names) {
      if (!name.endsWith(PENDING_SUFFIX)) continue;
      const id = name.slice(0, -PENDING_SUFFIX.length);
      const info = await this.infoFiles.get(id);
      if (info?.concat?.kind === 'final') finals.push({ id, parts: info.concat.parts });
    }
    return finals;
  }

  override async remove(id: string): Promise<void> {
    await this.takeUnflushedCreation(id)?.catch(() => undefined);
    await this.takeOpenDataFile(id)?.handle.close();
    await super.remove(id);
    await fsp.rm(this.pendingMarker(id), { force: true });
  }

  async readRange(id: string, start: number, endInclusive: number): Promise<ReadableStream<Uint8Array>> {
    const handle = await fsp.open(this.dataPath(id), 'r');
    let position = start;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    // A hand-rolled pull stream: each read waits for the consumer, so a slow
    // or vanished client never makes the server buffer the file.
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const remaining = endInclusive + 1 - position;
        if (remaining <= 0) {
          await close();
          controller.close();
          return;
        }
        const buffer = Buffer.allocUnsafe(Math.min(READ_BLOCK, remaining));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) {
          await close();
          controller.error(new Error(`upload ${id} is shorter than expected`));
          return;
        }
        position += bytesRead;
        controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
      },
      async cancel() {
        await close();
      },
    });
  }

  /** An upload's info and its data file's stats: everything the store knows of it, read once. */
  private async infoAndData(id: string): Promise<{ info: UploadInfo; stats: fs.Stats } | 'no-info' | 'no-data'> {
    const info = await this.infoFiles.get(id);
    if (!info) return 'no-info';
    const stats = await this.statData(id);
    if (stats) return { info, stats };
    // Removed by another process (npm run sweep) after this one wrote its info: the files have the last word.
    return this.infoFiles.forget(id) ? this.infoAndData(id) : 'no-data';
  }

  private async statData(id: string): Promise<fs.Stats | null> {
    try {
      return await fsp.stat(this.dataPath(id));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** The data file a creation left open for its first write (write() or remove() closes it). */
  private takeOpenDataFile(id: string): OpenDataFile | undefined {
    const handle = this.openDataFiles.get(id);
    this.openDataFiles.delete(id);
    return handle;
  }

  private takeUnflushedCreation(id: string): Promise<void> | undefined {
    const creation = this.unflushedCreations.get(id);
    this.unflushedCreations.delete(id);
    return creation;
  }

  private workFile(id: string, kind: 'chunk' | 'assembling'): string {
    return path.join(this.directory, `.${id}.${randomBytes(6).toString('hex')}.${kind}`);
  }

  private pendingMarker(id: string): string {
    return this.inside(id, PENDING_SUFFIX);
  }

  private dataPath(id: string): string {
    return this.inside(id);
  }

  /** A file of upload `id` in the folder; an id that is not one (`..`, a slash) names no file: 404. */
  private inside(id: string, suffix = ''): string {
    if (!isUploadId(id)) throw ERRORS.FILE_NOT_FOUND;
    return path.join(this.directory, `${id}${suffix}`);
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
