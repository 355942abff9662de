import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ERRORS, isPathInsideDirectory, type KvStore, type Upload } from '@tus/server';
import type { ConcatRole } from '../concatenation';

const INFO_SUFFIX = '.json';

/** What an info file holds: the upload as @tus/server knows it, plus our extension state. */
export type UploadInfo = Pick<Upload, 'id' | 'size' | 'offset' | 'metadata' | 'creation_date' | 'storage'> & {
  /** Absent for ordinary uploads. */
  concat?: ConcatRole;
  /** The subject that created the upload when access control is on; absent in open mode. */
  owner?: string;
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
  constructor(
    readonly directory: string,
    private readonly sync = true,
  ) {}

  async get(id: string): Promise<UploadInfo | undefined> {
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
        if (this.sync) await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
      if (this.sync) await syncDirectory(this.directory);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await fs.rm(this.resolve(id), { force: true });
  }

  /** Ids of every upload that has an info file. */
  async list(): Promise<string[]> {
    const names = await fs.readdir(this.directory);
    return names.filter((name) => name.endsWith(INFO_SUFFIX) && !name.startsWith('.')).map((name) => name.slice(0, -INFO_SUFFIX.length));
  }

  private resolve(id: string): string {
    const file = path.join(this.directory, `${id}${INFO_SUFFIX}`);
    if (!isPathInsideDirectory(this.directory, file)) throw ERRORS.FILE_NOT_FOUND;
    return file;
  }
}

/** The info files' own temp files: `.<id>.json.<hex>.tmp`. */
export const INFO_TEMP_FILE = /^\.[A-Za-z0-9_-]+\.json\.[0-9a-f]+\.tmp$/;

/**
 * Flushes a folder's entries (new names, renames, removals) to the disk: a
 * file's own fsync does not make its name durable.
 */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
