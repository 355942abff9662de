import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { ERRORS, isPathInsideDirectory } from '@tus/server';
import type { RangeReader, StoredUpload, UploadLister } from '../capabilities';
import { InfoFiles, isNotFound } from './info-files';

/** Reads of a download are issued in blocks of this size. */
const READ_BLOCK = 256 * 1024;

/**
 * The embedded default: uploads on local disk, one data file and one
 * `<id>.json` info file per upload, in a single directory.
 */
export class LocalFileStore extends FileStore implements UploadLister, RangeReader {
  private readonly infoFiles: InfoFiles;

  constructor(directory: string) {
    // The parent creates the folder asynchronously and throws from a callback on
    // failure; creating it here first turns a bad folder into a start-up error.
    fs.mkdirSync(directory, { recursive: true });
    const infoFiles = new InfoFiles(directory);
    super({ directory, configstore: infoFiles });
    this.infoFiles = infoFiles;
    // Expiration is not offered: the parent advertises it even when uploads
    // never expire, and its sweeper would delete completed uploads.
    this.extensions = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination'];
  }

  async listUploads(): Promise<StoredUpload[]> {
    const ids = await this.infoFiles.list();
    const uploads = await Promise.all(ids.map((id) => this.describeUpload(id)));
    return uploads.filter((upload): upload is StoredUpload => upload !== null);
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

  async describeUpload(id: string): Promise<StoredUpload | null> {
    const info = await this.infoFiles.get(id);
    if (!info) return null;
    let stats: fs.Stats;
    try {
      stats = await fsp.stat(this.dataPath(id));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const complete = info.size !== undefined && stats.size === info.size;
    return {
      id,
      size: info.size,
      offset: stats.size,
      metadata: info.metadata ?? {},
      createdAt: info.creation_date ? new Date(info.creation_date) : stats.birthtime,
      completedAt: complete ? stats.mtime : null,
    };
  }

  private dataPath(id: string): string {
    const file = path.join(this.directory, id);
    if (!isPathInsideDirectory(this.directory, file)) throw ERRORS.FILE_NOT_FOUND;
    return file;
  }
}
