import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Source files of this test worker live in one folder, removed when the
 * worker exits: they are many MiB each and would otherwise pile up in /tmp.
 */
let sourcesRoot: string | null = null;
function sourcesFolder(): string {
  if (sourcesRoot === null) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-sources-'));
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    sourcesRoot = root;
  }
  return sourcesRoot;
}

/** A file of random bytes in a fresh folder (its name is kept as given); returns its path. */
export function randomFile(name: string, size: number): string {
  const dir = fs.mkdtempSync(path.join(sourcesFolder(), 'source-'));
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  try {
    const block = 4 * 1024 * 1024;
    for (let written = 0; written < size; written += block) fs.writeSync(fd, randomBytes(Math.min(block, size - written)));
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Downloads a URL and returns the sha256 of its body, streaming (files may be large). */
export async function sha256OfDownload(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) throw new Error(`download of ${url} answered ${res.status}`);
  const hash = createHash('sha256');
  const reader = res.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
  return hash.digest('hex');
}
