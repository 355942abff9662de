import { expect, test } from '@playwright/test';
import { ERRORS } from '@tus/server';
import { MemoryLocker } from './memory';

// The upload locks of one process: one holder per upload, a waiter asks the holder to let go and takes over when it does.

const never = new AbortController().signal;

test('a free lock is taken at once, and again once let go', async () => {
  const locker = new MemoryLocker();
  const a = locker.newLock('u');
  await a.lock(never, () => undefined);
  await a.unlock();
  const b = locker.newLock('u');
  await b.lock(never, () => undefined);
  await b.unlock();
  expect(locker.holders.size).toBe(0);
});

test('a waiter asks the holder to release and gets the lock the moment it is let go', async () => {
  const locker = new MemoryLocker();
  const holder = locker.newLock('u');
  let asked = 0;
  await holder.lock(never, () => {
    asked += 1;
  });
  const waiter = locker.newLock('u');
  let acquired = false;
  const waiting = waiter.lock(never, () => undefined).then(() => (acquired = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect([asked, acquired]).toEqual([1, false]);
  await holder.unlock();
  await waiting;
  expect(acquired).toBe(true);
  // Another upload's lock is independent.
  const other = locker.newLock('v');
  await other.lock(never, () => undefined);
  await Promise.all([waiter.unlock(), other.unlock()]);
});

test('a waiter gives up with ERR_LOCK_TIMEOUT, or ABORTED when its request is stopped', async () => {
  const locker = new MemoryLocker(200);
  await locker.newLock('u').lock(never, () => undefined);
  await expect(locker.newLock('u').lock(never, () => undefined)).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
  const stop = new AbortController();
  const stopped = locker.newLock('u').lock(stop.signal, () => undefined);
  stop.abort();
  await expect(stopped).rejects.toBe(ERRORS.ABORTED);
});

test('a lock that is not held cannot be let go, and letting go twice is refused', async () => {
  const locker = new MemoryLocker();
  await expect(locker.newLock('u').unlock()).rejects.toThrow('Releasing an unlocked lock!');
  const lock = locker.newLock('u');
  await lock.lock(never, () => undefined);
  await lock.unlock();
  await expect(lock.unlock()).rejects.toThrow('Releasing an unlocked lock!');
});
