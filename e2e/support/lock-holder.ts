/**
 * A process of its own that uses RedisLocker, for the locker's tests: what
 * another app instance would do with an upload's lock. Prints one line per
 * step on stdout, so the test can follow it.
 *
 *   hold <id>             lock, print "locked" (by then it hears release
 *                         requests); print "release requested"
 *                         when asked to let go, and then unlock if
 *                         RELEASE_ON_REQUEST=1 (as a tus request does);
 *                         "unlocked" once done.
 *   contend <id> <n> <f>  n times: lock, append "enter <pid>" and then
 *                         "exit <pid>" to file f with a pause between, unlock.
 *
 * REDIS_URL and REDIS_KEY_PREFIX choose the Redis and the keys.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisLocker } from '../../tus/lockers/redis';

const [mode, id, rounds, file] = process.argv.slice(2);
const locker = RedisLocker.connect(new URL(process.env.REDIS_URL ?? ''), process.env.REDIS_KEY_PREFIX ?? 'test:');
const never = new AbortController().signal;

async function hold(): Promise<void> {
  // "locked" promises the test that a release request reaches this holder.
  await locker.listeningForEvents();
  const lock = locker.newLock(id);
  let released = false;
  const unlock = async () => {
    if (released) return;
    released = true;
    await lock.unlock();
    console.log('unlocked');
    locker.close();
  };
  await lock.lock(never, () => {
    console.log('release requested');
    if (process.env.RELEASE_ON_REQUEST === '1') void unlock();
  });
  console.log('locked');
}

async function contend(): Promise<void> {
  for (let round = 0; round < Number(rounds); round++) {
    const lock = locker.newLock(id);
    await lock.lock(never, () => undefined);
    fs.appendFileSync(file, `enter ${process.pid}\n`);
    await sleep(5);
    fs.appendFileSync(file, `exit ${process.pid}\n`);
    await lock.unlock();
  }
  console.log('done');
  locker.close();
}

(mode === 'hold' ? hold() : contend()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
