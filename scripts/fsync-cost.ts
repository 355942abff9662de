/**
 * What durability costs: the store's write path with and without its flushes
 * (fdatasync of each write, fsync of info files and of the folder), in the same
 * run, on the same disk. Usage:
 *
 *   npx tsx scripts/fsync-cost.ts [folder] [tiny uploads] [large MiB]
 *
 * Defaults: a temporary folder under the current directory (so on the disk
 * uploads use), 300 uploads of 1 KiB, one upload of 1024 MiB sent in PATCHes
 * of 32 MiB (the dashboard's chunk size). Rounds alternate (off, on, off, on…)
 * and medians are printed, so a disk cache warming up favours neither side.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Upload } from '@tus/server';
import { LocalFileStore } from '@resumable-uploads/engine';

const MiB = 2 ** 20;
const ROUNDS = 3;
const [folderArg, tinyArg, largeArg] = process.argv.slice(2);
const base = fs.mkdtempSync(path.resolve(folderArg ?? '.', '.fsync-cost-'));
const tinyCount = Number(tinyArg ?? 300);
const largeBytes = Number(largeArg ?? 1024) * MiB;
const CHUNK = 32 * MiB;
const block = randomBytes(MiB);

/** A request body of `bytes` bytes, in 64 KiB pieces like a socket delivers them. */
function body(bytes: number): Readable {
  let left = bytes;
  let at = 0;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(64 * 1024, left, MiB - at);
      this.push(block.subarray(at, at + n));
      at = (at + n) % MiB;
      left -= n;
    },
  });
}

let counter = 0;
async function upload(store: LocalFileStore, size: number, chunk: number): Promise<void> {
  const id = (counter++).toString(16).padStart(32, '0');
  await store.create(new Upload({ id, size, offset: 0 }));
  for (let offset = 0; offset < size;) offset = await store.write(body(Math.min(chunk, size - offset)), id, offset);
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const results: Record<'off' | 'on', { tiny: number[]; large: number[] }> = { off: { tiny: [], large: [] }, on: { tiny: [], large: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['off', 'on'] as const) {
      const dir = path.join(base, `${mode}-${round}`);
      const store = new LocalFileStore(dir, { sync: mode === 'on' });
      results[mode].tiny.push(
        await timed(async () => {
          for (let i = 0; i < tinyCount; i++) await upload(store, 1024, CHUNK);
        }),
      );
      results[mode].large.push(await timed(() => upload(store, largeBytes, CHUNK)));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const tinyOff = median(results.off.tiny);
  const tinyOn = median(results.on.tiny);
  const largeOff = median(results.off.large);
  const largeOn = median(results.on.large);
  const perSecond = (ms: number) => ((tinyCount * 1000) / ms).toFixed(0);
  const mbps = (ms: number) => (largeBytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(`fsync cost, medians of ${ROUNDS} alternating rounds, in ${base}`);
  console.log(
    `  ${tinyCount} uploads of 1 KiB: ${perSecond(tinyOff)}/s without flushes, ${perSecond(tinyOn)}/s with: ${(tinyOn / tinyOff).toFixed(2)}x the time`,
  );
  console.log(
    `  one upload of ${largeBytes / MiB} MiB in ${CHUNK / MiB} MiB PATCHes: ${mbps(largeOff)} MB/s without flushes, ${mbps(largeOn)} MB/s with: ${(largeOn / largeOff).toFixed(2)}x the time`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(base, { recursive: true, force: true }));
