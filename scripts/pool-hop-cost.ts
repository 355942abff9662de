/**
 * What a file operation costs through libuv's thread pool (fs/promises, as the
 * engine does them) against the same system calls made synchronously: the
 * CPU of this process per create + write + close of a 1 KiB file, and per
 * stat. Usage:
 *
 *   npx tsx scripts/pool-hop-cost.ts [folder] [files]
 *
 * Defaults: a temporary folder under the current directory (so on the disk
 * uploads use), 3,000 files per round. Each round gets a fresh folder that is
 * not emptied before it: deletes on a disk mounted with `discard` would slow
 * the next round's creations. Rounds alternate, and each is printed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

const [folderArg, filesArg] = process.argv.slice(2);
const base = fs.mkdtempSync(path.resolve(folderArg ?? '.', '.pool-hop-cost-'));
const files = Number(filesArg ?? 3000);
const block = Buffer.alloc(1024, 1);

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function round(label: string, operation: (file: string) => unknown): Promise<void> {
  const folder = fs.mkdtempSync(path.join(base, 'round-'));
  const start = cpuMicros();
  for (let i = 0; i < files; i++) await operation(path.join(folder, String(i)));
  console.log(`${label}: ${((cpuMicros() - start) / files).toFixed(1)} µs of CPU each`);
}

async function main(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await round('create, write, close through the pool', async (file) => {
      const handle = await fsp.open(file, 'w');
      await handle.write(block);
      await handle.close();
    });
    await round('create, write, close synchronously  ', (file) => {
      const fd = fs.openSync(file, 'w');
      fs.writeSync(fd, block);
      fs.closeSync(fd);
    });
    await round('stat through the pool               ', () => fsp.stat(base));
    await round('stat synchronously                  ', () => fs.statSync(base));
  }
}

void main().finally(() => fs.rmSync(base, { recursive: true, force: true }));
