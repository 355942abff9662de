import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { bytesMatch, type ChecksumAlgorithm } from '../checksum';
import { isNotFound } from './info-files';

/**
 * The marker `.<id>.verifying`: the upload's data file ends with a chunk
 * whose checksum is not verified yet (the checksum extension, written in
 * place; see LocalFileStore.stageChunk). It records where the verified bytes
 * end and what the chunk must hash to, for other processes and for the
 * repair after a crash.
 */
export interface UnverifiedTail {
  offset: number;
  /** The chunk's length when the request declared it. */
  length: number | null;
  /**
   * Null, with the digest, when the checksum comes after the bytes (a trailer) and was not known when the marker
   * was written: such a chunk is never kept by the repair, as it was never verified.
   */
  algorithm: ChecksumAlgorithm | null;
  /** Base64. */
  digest: string | null;
}

/** Marker file names, with the upload id in group 1. */
export const TAIL_MARKER = /^\.([A-Za-z0-9_-]+)\.verifying$/;

/** A chunk left being verified by a crash is read back in blocks this large to be verified again. */
const VERIFY_READ_BLOCK = 1024 * 1024;

/** Writes a marker, flushed with its name (`syncFolder`) before it resolves when `sync` is on. */
export async function writeTailMarker(marker: string, tail: UnverifiedTail, sync: boolean, syncFolder: () => Promise<void>): Promise<void> {
  const handle = await fsp.open(marker, 'wx');
  try {
    await handle.writeFile(JSON.stringify(tail));
    if (sync) await Promise.all([handle.datasync(), syncFolder()]);
  } finally {
    await handle.close();
  }
}

/** The marker's record; null when there is none, 'unreadable' when it was written half (so no byte of its chunk was). */
export async function readTailMarker(marker: string): Promise<UnverifiedTail | null | 'unreadable'> {
  try {
    return JSON.parse(await fsp.readFile(marker, 'utf8')) as UnverifiedTail;
  } catch (error) {
    return isNotFound(error) ? null : 'unreadable';
  }
}

/**
 * Whether the bytes of `dataFile` after the marker's offset (as many as its
 * length when known, else all of them up to `size`) are the chunk its
 * checksum describes. A chunk cut short is not, nor one whose checksum the
 * marker does not hold.
 */
export async function tailMatches(dataFile: string, size: number, tail: UnverifiedTail): Promise<boolean> {
  const end = tail.length === null ? size : tail.offset + tail.length;
  if (end > size || tail.algorithm === null || tail.digest === null) return false;
  return bytesMatch({ algorithm: tail.algorithm, digest: Buffer.from(tail.digest, 'base64') }, readRange(dataFile, tail.offset, end));
}

/** The bytes of `file` from `start` to `end` (exclusive), read in large blocks. */
export function readRange(file: string, start: number, end: number): Readable {
  // createReadStream's end is inclusive: an empty range cannot be written with it.
  if (end <= start) return Readable.from([]);
  return fs.createReadStream(file, { start, end: end - 1, highWaterMark: VERIFY_READ_BLOCK });
}
