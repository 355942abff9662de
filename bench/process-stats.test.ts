import { expect, test } from '@playwright/test';
import os from 'node:os';
import { discardedBytes, sampleProcess, type ProcessSample } from './process-stats';

test("a folder's TRIM counter is its disk's, in whole sectors, and null where there is no disk to read it from", () => {
  expect(discardedBytes('/proc'), 'procfs has no block device').toBeNull();
  expect(discardedBytes('/no/such/folder')).toBeNull();
  const discarded = discardedBytes(os.tmpdir());
  if (discarded !== null) expect(discarded % 512).toBe(0);
});

test("the main thread's CPU is told apart from the pool's: hashing on the main thread counts there, on libuv's pool it does not", async () => {
  const { pbkdf2, pbkdf2Sync } = await import('node:crypto');
  // The same fixed work (about 0.1 s of CPU on this machine class) first on the main thread, then twice on the pool.
  const ITERATIONS = 500_000;
  const before = sampleProcess(process.pid);
  pbkdf2Sync('x', 'y', ITERATIONS, 32, 'sha256');
  const afterMain = sampleProcess(process.pid);
  const inPool = () =>
    new Promise<void>((resolve, reject) => pbkdf2('x', 'y', ITERATIONS, 32, 'sha256', (error) => (error ? reject(error) : resolve())));
  await Promise.all([inPool(), inPool()]);
  const afterPool = sampleProcess(process.pid);
  const main = (a: ProcessSample, b: ProcessSample) => b.mainThreadCpuSeconds - a.mainThreadCpuSeconds;
  const total = (a: ProcessSample, b: ProcessSample) => b.cpuSeconds - a.cpuSeconds;
  expect(main(before, afterMain)).toBeGreaterThanOrEqual(0.05);
  expect(main(before, afterMain)).toBeLessThanOrEqual(total(before, afterMain) + 0.02);
  expect(total(afterMain, afterPool)).toBeGreaterThanOrEqual(0.1);
  expect(main(afterMain, afterPool)).toBeLessThan(total(afterMain, afterPool) / 4);
});
