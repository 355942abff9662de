import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StagedChunk } from '../capabilities';

/**
 * Receives a chunk into a new local file (the checksum extension's staging
 * area) and returns it as a StagedChunk whose commit() hands a stream of the
 * file to `append` and deletes the file either way. A failed reception
 * leaves no file behind.
 */
export async function stageInFile(data: Readable, file: string, append: (staged: Readable) => Promise<number>): Promise<StagedChunk> {
  let length = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      length += chunk.length;
      callback(null, chunk);
    },
  });
  const discard = () => fsp.rm(file, { force: true });
  try {
    await pipeline(data, counter, fs.createWriteStream(file, { flags: 'wx' }));
  } catch (error) {
    await discard();
    throw error;
  }
  return {
    length,
    commit: async () => {
      try {
        return await append(fs.createReadStream(file));
      } finally {
        await discard();
      }
    },
    discard,
  };
}
