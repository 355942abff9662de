import type { Redis } from 'ioredis';
import type { SweepLease, SweepTurn } from '../sweeper';
import { acquireLease } from './lease';

/** How long a sweep's lease outlives its holder; renewed while the sweep runs. */
const SWEEP_LEASE_TTL_MS = 30_000;

/**
 * Makes expiration sweeping single-flight across instances: a sweep runs
 * only while its instance holds the lease `<prefix>sweep` (SET NX PX,
 * renewed, compare-and-DEL); an instance that does not get it skips that
 * round. Each removal is also under the upload's lock, so the lease is about
 * not doing the work twice at once, not about safety.
 */
export class RedisSweepLease implements SweepLease {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /** This instance's turn, or null while another instance sweeps. Rejects when Redis cannot be reached. */
  async take(): Promise<SweepTurn | null> {
    let lost = false;
    const lease = await acquireLease(this.redis, `${this.keyPrefix}sweep`, SWEEP_LEASE_TTL_MS, () => {
      lost = true;
    });
    if (!lease) return null;
    return {
      get lost() {
        return lost;
      },
      end: async () => {
        await lease.release();
      },
    };
  }
}
