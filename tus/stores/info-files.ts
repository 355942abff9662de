import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ERRORS, type KvStore, type Upload } from '@tus/server';
import { isUploadId } from '../upload-url';
import type { ConcatRole } from '../concatenation';
import type { FlushTimer } from '../metrics/prometheus';

const INFO_SUFFIX = '.json';

/** How many info files one process keeps in memory (a few hundred bytes each). */
const REMEMBERED_INFOS = 10_000;

/** What an info file holds: the upload as @tus/server knows it, plus our extension state. */
export type UploadInfo = Pick<Upload, 'id' | 'size' | 'offset' | 'metadata' | 'creation_date' | 'storage'> & {
  /** Absent for ordinary uploads. */
  concat?: ConcatRole;
  /** The subject that created the upload when access control is on; absent in open mode. */
  owner?: string;
  /** The digest its bytes must have once complete; absent when its creation gave none. */
  representation?: string;
};

/**
 * The `<id>.json` info files beside each upload's data file, written atomically.
 *
 * The library's own store overwrites an info file in place, so a crash
 * mid-write leaves truncated JSON and the upload vanishes (404) although its
 * bytes are on disk. Here every write goes to a temp file that is renamed over
 * the old one: a reader sees the old info or the new, never half of either.
 */
export class InfoFiles implements KvStore<UploadInfo> {
  /** `sync`: flush each info file and the folder before a write resolves (see syncDirectory). */
  private folder: Promise<fs.FileHandle> | null = null;
  /** What this process last wrote into each info file, newest last; null when others may write them too. */
  private readonly written: Map<string, string> | null;

  /** `remember`: this process is the folder's only writer, so what it wrote is what a read would find. */
  constructor(
    readonly directory: string,
    private readonly sync = true,
    remember = false,
    /** Measures each flush (metrics). */
    private readonly timeFlush: FlushTimer = (_target, flush) => flush(),
  ) {
    this.written = remember ? new Map() : null;
  }

  /**
   * The info of an upload. One this process wrote is answered from memory (a
   * HEAD or PATCH then reads no file but the data's size): parsed again each
   * time, so a caller may change what it gets.
   */
  async get(id: string): Promise<UploadInfo | undefined> {
    const known = this.written?.get(id);
    if (known !== undefined) return JSON.parse(known) as UploadInfo;
    let text: string;
    try {
      text = await fs.readFile(this.resolve(id), 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as UploadInfo;
    } catch {
      return undefined;
    }
  }

  async set(id: string, value: UploadInfo): Promise<void> {
    const target = this.resolve(id);
    // A dot prefix keeps half-written temp files out of list().
    const temp = path.join(this.directory, `.${id}${INFO_SUFFIX}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await fs.open(temp, 'wx');
      try {
        await handle.writeFile(JSON.stringify(value));
        // The content reaches the disk before the name does: a crash never renames an empty file into place.
        if (this.sync) await this.timeFlush('info', () => handle.sync());
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
    } catch (error) {
      this.forget(id);
      await fs.rm(temp, { force: true });
      throw error;
    }
    this.remember(id, JSON.stringify(value));
    if (this.sync) await this.syncDirectory();
  }

  /** Forgets what this process wrote for `id`, so the next get() reads the file; true when there was something. */
  forget(id: string): boolean {
    return this.written?.delete(id) ?? false;
  }

  private remember(id: string, text: string): void {
    if (!this.written) return;
    this.written.delete(id);
    this.written.set(id, text);
    // The oldest go first: uploads long done are rarely asked about, and then read from their file.
    if (this.written.size > REMEMBERED_INFOS) this.written.delete(this.written.keys().next().value as string);
  }

  /**
   * The info file of a new upload, written while `alongside` (the creation of
   * its data file) runs. Resolves once both files exist, with `durable`, which
   * resolves once the info's content and both names are on the disk: the
   * caller decides what may overlap those flushes (the upload's first bytes)
   * and answers only after them.
   *
   * Written in place, not through a temp file: nobody knows the upload before
   * its creation is answered, and a crash before then leaves an empty or
   * partial info file, which the start-up repair removes with its data file.
   */
  async create(id: string, value: UploadInfo, alongside: Promise<unknown>): Promise<{ durable: Promise<void> }> {
    const target = this.resolve(id);
    const text = JSON.stringify(value);
    const writing = (async () => {
      const handle = await fs.open(target, 'wx');
      try {
        await handle.writeFile(text);
        return handle;
      } catch (error) {
        await handle.close();
        throw error;
      }
    })();
    const [written, other] = await Promise.allSettled([writing, alongside]);
    if (written.status === 'rejected') throw written.reason;
    const handle = written.value;
    if (other.status === 'rejected') {
      // Without its companion the info file would describe an upload that cannot exist.
      await handle.close();
      await fs.rm(target, { force: true });
      throw other.reason;
    }
    this.remember(id, text);
    // Both flushes at once: the file system commits them together instead of one after the other.
    const flushed = this.sync ? Promise.all([this.timeFlush('info', () => handle.sync()), this.syncDirectory()]) : Promise.resolve();
    const durable = flushed.then(
      () => handle.close(),
      async (error: unknown) => {
        await handle.close();
        throw error;
      },
    );
    return { durable };
  }

  /**
   * Flushes the folder's entries (new names, renames, removals) to the disk:
   * a file's own fsync does not make its name durable. The folder stays open
   * for this: one system call per flush instead of three.
   */
  async syncDirectory(): Promise<void> {
    this.folder ??= fs.open(this.directory, 'r');
    const folder = this.folder;
    try {
      const opened = await folder;
      await this.timeFlush('folder', () => opened.sync());
    } catch (error) {
      // A handle that failed to open is not kept: the next flush tries again.
      if (this.folder === folder) this.folder = null;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    this.forget(id);
    await fs.rm(this.resolve(id), { force: true });
  }

  /** Ids of every upload that has an info file. */
  async list(): Promise<string[]> {
    const names = await fs.readdir(this.directory);
    return names.filter((name) => name.endsWith(INFO_SUFFIX) && !name.startsWith('.')).map((name) => name.slice(0, -INFO_SUFFIX.length));
  }

  /** The info file of upload `id`; an id that is not one (`..`, a slash) names no file: 404. */
  private resolve(id: string): string {
    if (!isUploadId(id)) throw ERRORS.FILE_NOT_FOUND;
    return path.join(this.directory, `${id}${INFO_SUFFIX}`);
  }
}

/** The info files' own temp files: `.<id>.json.<hex>.tmp`. */
export const INFO_TEMP_FILE = /^\.[A-Za-z0-9_-]+\.json\.[0-9a-f]+\.tmp$/;

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
