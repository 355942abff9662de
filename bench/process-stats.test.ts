import { expect, test } from '@playwright/test';
import os from 'node:os';
import { discardedBytes } from './process-stats';

test("a folder's TRIM counter is its disk's, in whole sectors, and null where there is no disk to read it from", () => {
  expect(discardedBytes('/proc'), 'procfs has no block device').toBeNull();
  expect(discardedBytes('/no/such/folder')).toBeNull();
  const discarded = discardedBytes(os.tmpdir());
  if (discarded !== null) expect(discarded % 512).toBe(0);
});
