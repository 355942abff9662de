import type { KvStore } from '@tus/utils';
import type { Redis } from 'ioredis';
import { refuse } from '../errors';
import { refuseWhenUnreachable } from '../redis/connection';

/** Keys listed per SCAN round trip. */
const SCAN_BATCH = 200;

/**
 * @tus/utils' KvStore in Redis, shared by every app instance (what
 * @tus/s3-store keeps per upload: its multipart upload id, length and
 * metadata). Values are JSON under `<prefix><key>`; every `set` gives the
 * entry `ttlMs` to live, so entries of abandoned uploads do not pile up
 * (null keeps them). An expired entry is only a cache miss for the S3 store,
 * which reads the upload's `.info` object again. While Redis cannot be
 * reached, every call fails with 503 ERR_CACHE_UNAVAILABLE.
 */
export class RedisKvStore<T> implements KvStore<T> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number | null,
  ) {}

  async get(key: string): Promise<T | undefined> {
    const raw = await this.run(() => this.redis.get(this.prefix + key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(key: string, value: T): Promise<void> {
    const json = JSON.stringify(value);
    const { ttlMs } = this;
    await this.run(() => (ttlMs === null ? this.redis.set(this.prefix + key, json) : this.redis.set(this.prefix + key, json, 'PX', ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.redis.del(this.prefix + key));
  }

  /** Every key of this store (without the prefix). */
  async list(): Promise<string[]> {
    const keys = new Set<string>();
    const pattern = `${escapeGlob(this.prefix)}*`;
    let cursor = '0';
    do {
      const [next, batch] = await this.run(() => this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH));
      cursor = next;
      for (const key of batch) keys.add(key.slice(this.prefix.length));
    } while (cursor !== '0');
    return [...keys];
  }

  private run<R>(command: () => Promise<R>): Promise<R> {
    return refuseWhenUnreachable('cache command', refuse.cacheUnavailable, command);
  }
}

/** The prefix as a literal in a SCAN MATCH pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
