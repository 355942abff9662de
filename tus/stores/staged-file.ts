import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { StagedChunk } from '../capabilities';
import { appendStream } from './file-appender';

/** The staged file is read back in blocks this large: fewer, larger writes into the upload. */
const STAGED_READ_BLOCK = 4 * 1024 * 1024;

/**
 * Receives a chunk into a new local file (the checksum extension's staging
 * area) and returns it as a StagedChunk whose commit() hands a stream of the
 * file to `append` and deletes the file either way. A failed reception
 * leaves no file behind.
 */
export async function stageInFile(data: Readable, file: string, append: (staged: Readable) => Promise<number>): Promise<StagedChunk> {
  let length: number;
  const discard = () => fsp.rm(file, { force: true });
  try {
    const handle = await fsp.open(file, 'wx');
    try {
      // Not flushed: commit() writes the bytes again where they belong, and that write is flushed.
      length = await appendStream(data, handle, 0, { sync: false });
    } finally {
      await handle.close();
    }
  } catch (error) {
    await discard();
    throw error;
  }
  const bytes = () => fs.createReadStream(file, { highWaterMark: STAGED_READ_BLOCK });
  return {
    length,
    bytes,
    commit: async () => {
      try {
        return await append(bytes());
      } finally {
        await discard();
      }
    },
    discard,
  };
}
