import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
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
import { extensionState } from '../capabilities';
import { isUploadId } from '../upload-url';
import type { ExpectedChecksum } from '../checksum';
import { isStorageFull } from '../errors';
import type { FlushTimer } from '../metrics/prometheus';
import { appendStream } from './file-appender';
import { readSegments, type FileSegment } from './file-ranges';
import { linkPieces, piecesOf } from './final-links';
import { INFO_TEMP_FILE, InfoFiles, isNotFound, type UploadInfo } from './info-files';
import { readRange, readTailMarker, TAIL_MARKER, tailMatches, writeTailMarker, type UnverifiedTail } from './unverified-tail';
import type { Logger } from 'pino';
import { log } from '../logging';

/** Marks a final upload whose parts are not all assembled yet: `<id>.pending`. */
const PENDING_SUFFIX = '.pending';

/**
 * Work files start with a dot so no listing mistakes them for uploads: finals
 * being assembled, and chunks staged by earlier versions of this store.
 */
const WORK_FILE = /^\.[A-Za-z0-9_-]+\.[0-9a-f]+\.(chunk|assembling)$/;

const INFO_SUFFIX = '.json';

/** A data file left open by its creation for the first write, and whether its writes are durable as they return (O_DSYNC). */
interface OpenDataFile {
  handle: fsp.FileHandle;
  durableWrites: boolean;
}

/** What the store reads of an upload's data: its length so far and its dates. */
type DataStats = Pick<fs.Stats, 'size' | 'mtime' | 'birthtime'>;

/** The largest upload whose data file is opened with O_DSYNC at creation (a larger one is flushed as it grows, then at the end). */
const DURABLE_WRITES_MAX_BYTES = 64 * 1024;
const CREATE_DURABLY = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_DSYNC;

export interface LocalFileStoreOptions {
  /** Where start-up repairs are reported (the engine's log; the process's by default). */
  log?: Logger;
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
  /** Measures each flush of a data file, an info file or the folder (metrics). */
  timeFlush?: FlushTimer;
}

/**
 * The embedded default: uploads on local disk, one data file and one
 * `<id>.json` info file per upload, in a single directory.
 *
 * The data file's size is the upload's offset and its modification time the
 * upload's last activity, so neither needs an info-file rewrite per PATCH.
 *
 * A final upload (concatenation) is a folder `<id>/` of hard links to its
 * parts' data files, in order: it is made without copying a byte, and a file
 * sent in pieces takes its size on the disk once.
 */
export class LocalFileStore extends FileStore implements UploadLister, RangeReader, StateKeeper, ChunkStager, Concatenater {
  private readonly infoFiles: InfoFiles;
  private readonly sync: boolean;
  private readonly soleWriter: boolean;
  private readonly log: Logger;
  private readonly timeFlush: FlushTimer | undefined;
  /** Uploads whose data file ends with a chunk being verified by this process: where their verified bytes end. */
  private readonly verifying = new Map<string, number>();
  /** Creations made with `bytesFollow` whose flushes are still running, by upload id (see createUpload). */
  private readonly unflushedCreations = new Map<string, Promise<void>>();
  /** The data files of creations made with `bytesFollow`, still open for their first write. */
  private readonly openDataFiles = new Map<string, OpenDataFile>();

  constructor(directory: string, { sync = true, soleWriter = false, log: logger = log(), timeFlush }: LocalFileStoreOptions = {}) {
    // The parent creates the folder asynchronously and throws from a callback on
    // failure; creating it here first turns a bad folder into a start-up error.
    fs.mkdirSync(directory, { recursive: true });
    const infoFiles = new InfoFiles(directory, sync, soleWriter, timeFlush);
    // The parent reads only the plain fields back (its own config store returns
    // parsed JSON too, never Upload instances), so the wider record fits.
    super({ directory, configstore: infoFiles as unknown as KvStore<Upload> });
    this.infoFiles = infoFiles;
    this.sync = sync;
    this.soleWriter = soleWriter;
    this.log = logger;
    this.timeFlush = timeFlush;
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
      for (const file of files) await fsp.rm(path.join(this.directory, file), { force: true, recursive: true });
      this.log.warn({ repair: what }, `recovery: ${what}`);
    };
    for (const name of names) {
      if (WORK_FILE.test(name) || INFO_TEMP_FILE.test(name)) await repair(`removed the unfinished work file ${name}`, name);
    }
    for (const name of names) {
      const id = TAIL_MARKER.exec(name)?.[1];
      if (id !== undefined && isUploadId(id)) {
        const kept = await this.settleUnverifiedTail(id);
        this.log.warn({ id, kept }, `recovery: ${kept ? 'kept' : 'dropped'} the chunk of upload ${id} that was being verified`);
        names.delete(name);
      }
    }
    for (const name of names) {
      if (name.endsWith(INFO_SUFFIX)) {
        const id = name.slice(0, -INFO_SUFFIX.length);
        if (!isUploadId(id)) continue;
        const info = await this.infoFiles.get(id);
        const stats = await this.statData(id);
        const marker = `${id}${PENDING_SUFFIX}`;
        const isFinal = info?.concat?.kind === 'final';
        if (!info) await repair(`removed upload ${id}: its info file is unreadable`, name, id, marker);
        else if (!stats && isFinal && names.has(marker)) {
          // Between removing an older version's empty file and putting the links in place: the final waits again.
          await fsp.mkdir(this.dataPath(id));
          this.log.warn({ id }, `recovery: recreated the empty folder of final upload ${id}`);
        } else if (!stats) await repair(`removed upload ${id}: its data file is missing`, name, marker);
        else if (stats.isDirectory()) {
          const wrong = isFinal ? await this.wrongLinks(id, info) : 'it is a folder but not a final upload';
          if (wrong) await repair(`removed upload ${id}: ${wrong}`, name, id, marker);
        } else if (!stats.isFile()) await repair(`removed upload ${id}: its data is not a file`, name, id, marker);
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
    // Another process that stopped while verifying a chunk left it at the end of the file: settled first.
    if (!this.soleWriter && !this.verifying.has(id)) await this.settleUnverifiedTail(id);
    const creation = this.takeUnflushedCreation(id);
    const open = this.takeOpenDataFile(id);
    const handle = open?.handle ?? (await fsp.open(this.dataPath(id), 'r+'));
    // A file opened with O_DSYNC is on the disk after each write: no fdatasync to add.
    const sync = this.sync && open?.durableWrites !== true;
    try {
      const [stored, created] = await Promise.allSettled([
        appendStream(readable, handle, offset, { sync, timeFlush: this.timeFlush }),
        creation,
      ]);
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
    return { upload, concat: info.concat ?? null, lastActivity: stats.mtime, owner: info.owner, representation: info.representation };
  }

  async touch(id: string): Promise<void> {
    const now = new Date();
    await fsp.utimes(this.dataPath(id), now, now);
  }

  /**
   * Writes a chunk with a checksum in place, after the upload's bytes, while
   * the caller verifies it: each byte is written once, and flushed as any
   * PATCH's. Until commit() the upload's offset stays where it was: this
   * process's readers see the verified bytes only (infoAndData), and a marker
   * flushed before the first byte records where they end and the chunk's
   * checksum, for other processes and for the repair after a crash, which
   * keeps the tail only if it is the whole chunk, verified (never when the
   * checksum comes after the bytes, in a trailer: the marker cannot hold it).
   * discard() truncates the chunk away.
   */
  async stageChunk(
    id: string,
    offset: number,
    data: Readable,
    checksum: ExpectedChecksum | null,
    length: number | null,
  ): Promise<StagedChunk> {
    if (!this.soleWriter) await this.settleUnverifiedTail(id);
    const { size } = await fsp.stat(this.dataPath(id));
    // The caller holds the upload's lock, so this only fails if the folder was changed behind our back.
    if (size !== offset) throw new Error(`upload ${id} holds ${size} bytes, expected ${offset}`);
    const marker = this.verifyingMarker(id);
    this.verifying.set(id, offset);
    const restore = async () => {
      await this.truncateData(id, offset);
      await fsp.rm(marker, { force: true });
      this.verifying.delete(id);
    };
    let end: number;
    try {
      const tail: UnverifiedTail = {
        offset,
        length,
        algorithm: checksum?.algorithm ?? null,
        digest: checksum?.digest.toString('base64') ?? null,
      };
      await writeTailMarker(marker, tail, this.sync, () => this.infoFiles.syncDirectory());
      end = await this.write(data, id, offset);
    } catch (error) {
      // Should the truncation fail too, the marker and the cap stay: the chunk never counts.
      await restore().catch(() => undefined);
      throw error;
    }
    return {
      length: end - offset,
      bytes: () => readRange(this.dataPath(id), offset, end),
      commit: async () => {
        this.verifying.delete(id);
        await fsp.rm(marker, { force: true });
        // A marker that came back after a crash must not drop acknowledged bytes. With the chunk's length and
        // checksum in it, the repair verifies exactly that chunk again and keeps it with whatever followed;
        // without either, the removal is flushed before the answer.
        if (this.sync && (length === null || checksum === null)) await this.infoFiles.syncDirectory();
        return end;
      },
      discard: restore,
    };
  }

  /**
   * After a crash (or another process's), an upload whose data file ends with
   * a chunk being verified: keeps the chunk if the bytes after the marker's
   * offset (as many as its length, when known) are the chunk its checksum
   * describes, otherwise truncates them away; removes the marker. True when
   * the chunk was kept.
   */
  private async settleUnverifiedTail(id: string): Promise<boolean> {
    const marker = this.verifyingMarker(id);
    const tail = await readTailMarker(marker);
    if (tail === null) return false;
    let kept = false;
    if (tail !== 'unreadable') {
      const stats = await this.statData(id);
      if (stats && stats.size > tail.offset) {
        kept = await tailMatches(this.dataPath(id), stats.size, tail);
        if (!kept) await this.truncateData(id, tail.offset);
      }
    }
    await fsp.rm(marker, { force: true });
    if (this.sync) await this.infoFiles.syncDirectory();
    return kept;
  }

  private async truncateData(id: string, length: number): Promise<void> {
    const handle = await fsp.open(this.dataPath(id), 'r+');
    try {
      await handle.truncate(length);
      if (this.sync) await handle.datasync();
    } finally {
      await handle.close();
    }
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
  async createUpload(upload: Upload, { concat, owner, representation, bytesFollow = false }: CreationDetails): Promise<void> {
    // The marker comes first: a crash then leaves a marker without an upload
    // (ignored), never a final nobody will assemble.
    if (concat?.kind === 'final') await fsp.writeFile(this.pendingMarker(upload.id), '');
    const info: UploadInfo = { ...upload, ...extensionState({ concat, owner, representation }) };
    // The empty data file and the info file are written at the same time; one flush of the folder covers both names.
    // When bytes follow, the data file stays open for them: an open and a close fewer per small upload.
    // A small upload's bytes go out in one write or a few: with O_DSYNC each is flushed as it is made, one call fewer.
    const durableWrites = this.sync && upload.size !== undefined && upload.size <= DURABLE_WRITES_MAX_BYTES;
    const opening = bytesFollow ? fsp.open(this.dataPath(upload.id), durableWrites ? CREATE_DURABLY : 'w') : null;
    let durable: Promise<void>;
    try {
      // A final's data is a folder, filled with links to its parts all at once (see assembleFinal).
      const data =
        opening ?? (concat?.kind === 'final' ? fsp.mkdir(this.dataPath(upload.id)) : fsp.writeFile(this.dataPath(upload.id), ''));
      ({ durable } = await this.infoFiles.create(upload.id, info, data));
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

  /**
   * Makes the final out of its parts without copying a byte: a folder of hard
   * links to the parts' data files, in order, put in place by one rename, so
   * the final shows all of its bytes at once or none. A part's bytes then stay
   * on the disk exactly as long as a final links them, whatever happens to the
   * part itself (termination, expiry), and go with the last link. A part that
   * cannot be linked (a file system without hard links, an inode at its link
   * limit) is copied instead.
   */
  async assembleFinal(finalId: string, parts: string[]): Promise<void> {
    const info = await this.infoFiles.get(finalId);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    const target = this.dataPath(finalId);
    const current = await this.statData(finalId);
    // Put in place before a crash that came before the marker went: only the tidying is left.
    if (current?.isDirectory() && (await fsp.readdir(target)).length > 0) return this.assembled(finalId, parts);
    let total = 0;
    for (const part of parts) {
      const stats = await this.statData(part);
      if (!stats?.isFile()) throw ERRORS.FILE_NOT_FOUND;
      total += stats.size;
    }
    if (info.size === undefined) {
      // Parts created with a deferred length: the final's length is known only now.
      // Recorded before any byte so the final never looks complete while it is not.
      await this.infoFiles.set(finalId, { ...info, size: total });
    }
    const temp = this.assemblyFolder(finalId);
    await fsp.mkdir(temp);
    try {
      await linkPieces(
        temp,
        parts.map((part) => this.dataPath(part)),
        this.sync,
      );
      // A final created by an earlier version of this store, before its parts were in, has an empty file here.
      if (current?.isFile()) await fsp.rm(target);
      await fsp.rename(temp, target);
      if (this.sync) await this.infoFiles.syncDirectory();
    } catch (error) {
      await fsp.rm(temp, { recursive: true, force: true });
      throw error;
    }
    await this.assembled(finalId, parts);
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
    if ((await this.statData(id))?.isDirectory()) {
      // A final's folder of links: its parts' bytes go with it unless a part or another final still links them.
      await fsp.rm(this.dataPath(id), { recursive: true });
      await this.infoFiles.delete(id);
    } else {
      await super.remove(id);
    }
    await fsp.rm(this.pendingMarker(id), { force: true });
    await fsp.rm(this.verifyingMarker(id), { force: true });
  }

  async readRange(id: string, start: number, endInclusive: number): Promise<ReadableStream<Uint8Array>> {
    return readSegments(await this.segmentsOf(id), start, endInclusive, `upload ${id}`);
  }

  /** The files holding an upload's bytes, in order: its data file, or the pieces a final links. */
  private async segmentsOf(id: string): Promise<FileSegment[]> {
    const data = this.dataPath(id);
    const stats = await fsp.stat(data);
    if (!stats.isDirectory()) return [{ path: data, size: stats.size }];
    return Promise.all((await piecesOf(data)).map(async (piece) => ({ path: piece, size: (await fsp.stat(piece)).size })));
  }

  /** What is wrong with a final's folder of links, if anything: empty (still pending) is right. */
  private async wrongLinks(id: string, info: UploadInfo): Promise<string | null> {
    const segments = await this.segmentsOf(id);
    if (segments.length === 0) return null;
    const parts = info.concat?.kind === 'final' ? info.concat.parts.length : 0;
    if (segments.length !== parts) return `its folder links ${segments.length} pieces, not its ${parts} parts`;
    const total = segments.reduce((sum, segment) => sum + segment.size, 0);
    return total === info.size ? null : `its pieces hold ${total} bytes, not its length ${info.size}`;
  }

  /** After a final's bytes are in place: it is no longer pending, and its parts' clean-up clocks restart. */
  private async assembled(finalId: string, parts: string[]): Promise<void> {
    await fsp.rm(this.pendingMarker(finalId), { force: true });
    await Promise.all([...new Set(parts)].map((part) => this.touch(part).catch(() => undefined)));
  }

  /** An upload's info and its data file's stats: everything the store knows of it, read once. */
  private async infoAndData(id: string): Promise<{ info: UploadInfo; stats: DataStats } | 'no-info' | 'no-data'> {
    const info = await this.infoFiles.get(id);
    if (!info) return 'no-info';
    const stats = await this.statData(id);
    if (stats?.isDirectory()) {
      // A final's folder of links holds all of its pieces or none (see assembleFinal): its offset is its length or 0.
      const linked = (await fsp.readdir(this.dataPath(id))).length > 0;
      return { info, stats: { size: linked ? (info.size ?? 0) : 0, mtime: stats.mtime, birthtime: stats.birthtime } };
    }
    if (stats) {
      // A chunk being verified does not count yet.
      const verified = this.verifying.get(id) ?? (this.soleWriter ? undefined : await this.markedOffset(id));
      if (verified !== undefined && stats.size > verified) stats.size = verified;
      return { info, stats };
    }
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

  /** Where a final's links are made before one rename puts them in place. */
  private assemblyFolder(id: string): string {
    return path.join(this.directory, `.${id}.${randomBytes(6).toString('hex')}.assembling`);
  }

  /** Where the verified bytes of an upload end, when another process may be verifying a chunk of it. */
  private async markedOffset(id: string): Promise<number | undefined> {
    const tail = await readTailMarker(this.verifyingMarker(id));
    return tail === null || tail === 'unreadable' ? undefined : tail.offset;
  }

  private verifyingMarker(id: string): string {
    if (!isUploadId(id)) throw ERRORS.FILE_NOT_FOUND;
    return path.join(this.directory, `.${id}.verifying`);
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
