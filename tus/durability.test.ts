import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createUploadEngine, type Durability } from './index';

// `durability` decides what an acknowledged byte has survived: strict flushes every answer's bytes, names and info to the
// disk; os leaves them in the operating system's cache, as tusd and @tus/file-store do.

type FileHandle = fsp.FileHandle;

/** Every flush (fsync, fdatasync, or a file opened with O_DSYNC) while `run` runs. */
async function countingFlushes(run: () => Promise<void>): Promise<number> {
  const probe = await fsp.open(__filename, 'r');
  const proto = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  const { sync, datasync } = proto;
  const { open } = fsp;
  let flushes = 0;
  proto.sync = function (this: FileHandle) {
    flushes += 1;
    return sync.call(this);
  };
  proto.datasync = function (this: FileHandle) {
    flushes += 1;
    return datasync.call(this);
  };
  fsp.open = ((file: fs.PathLike, flags?: string | number, mode?: fs.Mode) => {
    if (typeof flags === 'number' && (flags & fs.constants.O_DSYNC) !== 0) flushes += 1;
    return open(file, flags, mode);
  }) as typeof fsp.open;
  try {
    await run();
  } finally {
    proto.sync = sync;
    proto.datasync = datasync;
    fsp.open = open;
  }
  return flushes;
}

for (const [durability, flushed] of [
  ['strict', true],
  ['os', false],
] as const satisfies ReadonlyArray<readonly [Durability, boolean]>) {
  test(`durability ${durability}: a creation with bytes and a PATCH ${flushed ? 'flush' : 'flush nothing'} before they are answered`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `durability-${durability}-`));
    const engine = createUploadEngine({ uploadDir: dir, durability, log: { level: 'silent', format: 'json' } });
    const server = http.createServer((req, res) => void engine.handleNode(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/upload`;
    const tus = { 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/offset+octet-stream' };
    try {
      const flushes = await countingFlushes(async () => {
        const created = await fetch(endpoint, { method: 'POST', headers: { ...tus, 'Upload-Length': '10' }, body: 'hello' });
        expect(created.status).toBe(201);
        const patched = await fetch(created.headers.get('location')!, {
          method: 'PATCH',
          headers: { ...tus, 'Upload-Offset': '5' },
          body: 'world',
        });
        expect([patched.status, patched.headers.get('upload-offset')]).toEqual([204, '10']);
      });
      if (flushed) expect(flushes).toBeGreaterThanOrEqual(4);
      else expect(flushes).toBe(0);
      const [data] = fs.readdirSync(dir).filter((name) => !name.endsWith('.json'));
      expect(fs.readFileSync(path.join(dir, data), 'utf8')).toBe('helloworld');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
