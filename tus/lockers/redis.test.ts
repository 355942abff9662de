import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ERRORS } from '@tus/server';
import { Redis } from 'ioredis';
import { RedisServer } from '../../e2e/support/redis';
import { UploadError } from '../errors';
import { connectRedis } from '../redis/connection';
import { LOCK_DEFAULTS, MAX_RECHECK_MS, RedisLocker, type RedisLockerOptions } from './redis';

// RedisLocker against a real redis-server, with other holders in real
// processes: mutual exclusion, release requests crossing processes, a
// crashed holder's lock expiring, renewal, abort, Redis down and back.

const HOLDER_SCRIPT = path.resolve(__dirname, '..', '..', 'e2e', 'support', 'lock-holder.ts');
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

let redis: RedisServer;
const lockers: RedisLocker[] = [];
const children: ChildProcess[] = [];

test.beforeAll(async () => {
  redis = await RedisServer.start();
});
test.afterAll(async () => {
  await redis.dispose();
});
test.afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const locker of lockers.splice(0)) locker.close();
  if (!redis.running) await redis.launch();
});

/** A locker on its own two connections, as each app instance has. */
function newLocker(options: Partial<Omit<RedisLockerOptions, 'redis' | 'subscriber' | 'keyPrefix'>> = {}): RedisLocker {
  const locker = RedisLocker.connect(new URL(redis.url), 'test:', options);
  lockers.push(locker);
  return locker;
}

const never = () => new AbortController().signal;
const uploadId = () => randomUUID().replaceAll('-', '');

/** A lock-holder process (e2e/support/lock-holder.ts) whose output lines the test can wait for. */
class Holder {
  readonly child: ChildProcess;
  private output = '';
  private readonly listeners = new Set<() => void>();

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', HOLDER_SCRIPT, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'test:', ...env },
    });
    children.push(this.child);
    const onData = (data: Buffer) => {
      this.output += data.toString();
      for (const listener of this.listeners) listener();
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
  }

  get lines(): string[] {
    return this.output.split('\n').filter(Boolean);
  }

  /** Resolves once the process printed `line`; rejects if its output ends first or after `timeoutMs`. */
  waitFor(line: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.lines.includes(line)) return false;
        done();
        resolve();
        return true;
      };
      const fail = () => {
        if (check()) return;
        done();
        reject(new Error(`lock holder ended before printing "${line}":\n${this.output}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`lock holder did not print "${line}" within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        this.child.off('close', fail);
      };
      if (check()) return;
      this.listeners.add(check);
      // 'close', not 'exit': the process may exit before all of its output has been read.
      this.child.once('close', fail);
    });
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

test('two processes taking turns on one lock are never inside at the same time', async () => {
  const id = uploadId();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lock-turns-')), 'turns.log');
  fs.writeFileSync(file, '');
  const rounds = 10;
  const holders = [new Holder(['contend', id, String(rounds), file]), new Holder(['contend', id, String(rounds), file])];
  expect(await Promise.all(holders.map((holder) => holder.exited()))).toEqual([0, 0]);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  expect(lines).toHaveLength(4 * rounds);
  // Every "enter" is followed by the same process's "exit": no other process entered in between.
  for (let at = 0; at < lines.length; at += 2) {
    expect(lines[at]).toMatch(/^enter \d+$/);
    expect(lines[at + 1], `line ${at + 1} of ${lines.join(' | ')}`).toBe(lines[at].replace('enter', 'exit'));
  }
  // Both really contended: each process entered.
  expect(new Set(lines.map((line) => line.split(' ')[1])).size).toBe(2);
});

test('a request for the lock reaches the holder in another process, and its release wakes the waiter at once', async () => {
  const id = uploadId();
  const holder = new Holder(['hold', id], { RELEASE_ON_REQUEST: '1' });
  await holder.waitFor('locked');
  // The longest poll there is (MAX_RECHECK_MS): waking well before it takes the release message.
  const locker = newLocker({ retryIntervalMs: 60_000 });
  await locker.listeningForEvents();
  const started = Date.now();
  const lock = locker.newLock(id);
  await lock.lock(never(), () => undefined);
  const waitedMs = Date.now() - started;
  // The holder's own account comes through a pipe, which may be slower than Redis's release message.
  await holder.waitFor('unlocked');
  expect(holder.lines).toEqual(['locked', 'release requested', 'unlocked']);
  expect(waitedMs).toBeLessThan(MAX_RECHECK_MS / 2);
  await lock.unlock();
});

/**
 * A locker whose subscriber connects only when the test says so: a freshly
 * started instance whose subscription to lock events is not in place yet.
 * Its command connection works from the start.
 */
function lockerHeardLater(options: Partial<Omit<RedisLockerOptions, 'redis' | 'subscriber' | 'keyPrefix'>> = {}) {
  const subscriber = new Redis(redis.url, { lazyConnect: true });
  const locker = new RedisLocker({ ...options, keyPrefix: 'test:', redis: connectRedis(new URL(redis.url), 'locks'), subscriber });
  lockers.push(locker);
  return { locker, startListening: () => subscriber.connect() };
}

test('a release the waiter could not hear yet is seen as soon as its subscription is in place', async () => {
  const id = uploadId();
  const holder = new Holder(['hold', id], { RELEASE_ON_REQUEST: '1' });
  await holder.waitFor('locked');
  const { locker, startListening } = lockerHeardLater({ retryIntervalMs: 60_000 });
  const lock = locker.newLock(id);
  const locked = lock.lock(never(), () => undefined);
  // The holder lets go on the waiter's request, and its "released" message reaches no one.
  await holder.waitFor('unlocked');
  const releasedAt = Date.now();
  await startListening();
  await locked;
  // Not the poll (up to MAX_RECHECK_MS after the waiter's first try): the check made on subscribing.
  expect(Date.now() - releasedAt).toBeLessThan(MAX_RECHECK_MS / 2);
  await lock.unlock();
});

test('a waiter that hears nothing checks again within MAX_RECHECK_MS, whatever its poll interval', async () => {
  const id = uploadId();
  const holder = new Holder(['hold', id], { RELEASE_ON_REQUEST: '1' });
  await holder.waitFor('locked');
  // Its subscription never comes: only checking again can find the lock free.
  const { locker } = lockerHeardLater({ retryIntervalMs: 60_000 });
  const lock = locker.newLock(id);
  const locked = lock.lock(never(), () => undefined);
  await holder.waitFor('unlocked');
  const releasedAt = Date.now();
  await locked;
  expect(Date.now() - releasedAt).toBeLessThan(MAX_RECHECK_MS + 1_000);
  await lock.unlock();
});

/** Listens on Redis for release requests; `heard` resolves at the first one for `id`. */
async function releaseRequestFor(id: string): Promise<{ heard: Promise<void> }> {
  const spy = new Redis(redis.url);
  const heard = new Promise<void>((resolve) => {
    spy.on('message', (_channel: string, message: string) => {
      if (message === id) resolve();
    });
  });
  await spy.subscribe('test:lock:release-requests');
  return { heard: heard.finally(() => spy.disconnect()) };
}

test('a holder that could not hear a release request yet gets it once its subscription is in place', async () => {
  const id = uploadId();
  const { locker: holderLocker, startListening } = lockerHeardLater();
  const held = holderLocker.newLock(id);
  let asked!: () => void;
  const releaseRequested = new Promise<void>((resolve) => {
    asked = resolve;
  });
  await held.lock(never(), () => asked());
  const waiter = newLocker({ retryIntervalMs: 60_000 });
  await waiter.listeningForEvents();
  const firstRequest = await releaseRequestFor(id);
  const lock = waiter.newLock(id);
  const locked = lock.lock(never(), () => undefined);
  // The waiter's first request went out before the holder listened; it asks again at its next check.
  await firstRequest.heard;
  await startListening();
  const listeningAt = Date.now();
  await releaseRequested;
  expect(Date.now() - listeningAt).toBeLessThan(MAX_RECHECK_MS + 1_000);
  await held.unlock();
  await locked;
  await lock.unlock();
});

test('the lock of a holder killed by SIGKILL is free again within the TTL', async () => {
  const id = uploadId();
  const holder = new Holder(['hold', id]);
  await holder.waitFor('locked');
  holder.child.kill('SIGKILL');
  await holder.exited();
  const killedAt = Date.now();
  const lock = newLocker().newLock(id);
  await lock.lock(never(), () => undefined);
  const freedMs = Date.now() - killedAt;
  console.log(`lock of a killed holder taken after ${freedMs} ms (TTL ${LOCK_DEFAULTS.ttlMs} ms)`);
  expect(freedMs).toBeLessThan(LOCK_DEFAULTS.ttlMs + 2_000);
  await lock.unlock();
});

test('a holder keeps its lock past the TTL for as long as it runs, and is never asked to let go', async () => {
  const id = uploadId();
  const ttlMs = 1_500;
  const holderLocker = newLocker({ ttlMs });
  const other = newLocker({ ttlMs });
  const lock = holderLocker.newLock(id);
  let lost = false;
  await lock.lock(never(), () => {
    lost = true;
  });
  const until = Date.now() + 3 * ttlMs;
  while (Date.now() < until) {
    const stolen = await other.lockIfIdle(id);
    expect(stolen, 'the lock was free while its holder ran').toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(lost).toBe(false);
  await lock.unlock();
  const next = await other.lockIfIdle(id);
  expect(next).not.toBeNull();
  await next?.unlock();
});

test('a waiter whose signal aborts stops waiting at once and takes nothing', async () => {
  const id = uploadId();
  const holderLock = newLocker().newLock(id);
  await holderLock.lock(never(), () => undefined);
  const waiter = newLocker();
  const abort = new AbortController();
  const waiting = waiter.newLock(id).lock(abort.signal, () => undefined);
  setTimeout(() => abort.abort(), 300);
  const started = Date.now();
  expect(await failureOf(waiting)).toBe(ERRORS.ABORTED);
  expect(Date.now() - started).toBeLessThan(1_000);
  await holderLock.unlock();
  // The aborted waiter holds nothing: the lock is free.
  const next = await waiter.lockIfIdle(id);
  expect(next).not.toBeNull();
  await next?.unlock();
});

test('a waiter gives up after the acquire timeout with ERR_LOCK_TIMEOUT, as MemoryLocker does', async () => {
  const id = uploadId();
  const holderLock = newLocker().newLock(id);
  await holderLock.lock(never(), () => undefined);
  const started = Date.now();
  const error = await failureOf(
    newLocker({ acquireTimeoutMs: 1_000 })
      .newLock(id)
      .lock(never(), () => undefined),
  );
  expect(error).toBe(ERRORS.ERR_LOCK_TIMEOUT);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  expect(Date.now() - started).toBeLessThan(3_000);
  await holderLock.unlock();
});

test('Redis down: taking a lock fails within seconds with 503 ERR_LOCK_UNAVAILABLE; Redis back: locks work again', async () => {
  const id = uploadId();
  const locker = newLocker();
  const before = locker.newLock(id);
  await before.lock(never(), () => undefined);
  await before.unlock();

  await redis.stop();
  const started = Date.now();
  const error = await failureOf(locker.newLock(id).lock(never(), () => undefined));
  expect(error).toBeInstanceOf(UploadError);
  expect((error as UploadError).status).toBe(503);
  expect((error as UploadError).code).toBe('ERR_LOCK_UNAVAILABLE');
  expect(Date.now() - started).toBeLessThan(5_000);

  await redis.launch();
  const after = locker.newLock(id);
  await after.lock(never(), () => undefined);
  await after.unlock();
});

test('a holder whose lock vanished (Redis restarted empty) is asked to let go, and the release request path works after', async () => {
  const id = uploadId();
  const ttlMs = 1_500;
  const locker = newLocker({ ttlMs });
  const lock = locker.newLock(id);
  let asked = false;
  await lock.lock(never(), () => {
    asked = true;
  });
  await redis.restart();
  const deadline = Date.now() + 3 * ttlMs;
  while (!asked && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(asked, 'the holder was told its lock is gone').toBe(true);
  await lock.unlock();

  // After the restart, a holder in another process is asked to release again (the subscription came back).
  const holder = new Holder(['hold', id], { RELEASE_ON_REQUEST: '1' });
  await holder.waitFor('locked');
  const next = locker.newLock(id);
  await next.lock(never(), () => undefined);
  // The holder printed it before it let go, but its output may reach us after Redis told us the lock is free.
  await holder.waitFor('release requested');
  await next.unlock();
});
