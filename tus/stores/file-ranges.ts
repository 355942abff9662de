import fsp from 'node:fs/promises';

/** Reads of a download are issued in blocks of this size. */
const READ_BLOCK = 256 * 1024;

/** One file of an upload's bytes, in order: an ordinary upload has one, a final made of pieces one per piece. */
export interface FileSegment {
  path: string;
  size: number;
}

/**
 * Streams bytes `start` to `endInclusive` of the files laid end to end. A
 * hand-rolled pull stream: each read waits for the consumer, so a slow or
 * vanished client never makes the server buffer the file, and at most one
 * file is open at a time.
 */
export function readSegments(segments: FileSegment[], start: number, endInclusive: number, what: string): ReadableStream<Uint8Array> {
  let position = start;
  let index = 0;
  let segmentStart = 0;
  let open: { index: number; handle: fsp.FileHandle } | null = null;
  const close = async () => {
    const handle = open?.handle;
    open = null;
    await handle?.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const remaining = endInclusive + 1 - position;
      if (remaining <= 0) {
        await close();
        controller.close();
        return;
      }
      // The segment holding `position`: segments are read in order, so the search only moves forward.
      while (index < segments.length && segmentStart + segments[index].size <= position) {
        segmentStart += segments[index].size;
        index++;
      }
      if (index === segments.length) {
        await close();
        controller.error(new Error(`${what} is shorter than expected`));
        return;
      }
      const segment = segments[index];
      if (open?.index !== index) {
        await close();
        open = { index, handle: await fsp.open(segment.path, 'r') };
      }
      const within = position - segmentStart;
      const buffer = Buffer.allocUnsafe(Math.min(READ_BLOCK, remaining, segment.size - within));
      const { bytesRead } = await open.handle.read(buffer, 0, buffer.length, within);
      if (bytesRead === 0) {
        await close();
        controller.error(new Error(`${what} is shorter than expected`));
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
