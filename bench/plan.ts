import type { BenchOptions } from './options';
import { concurrent } from './workloads/concurrent';
import { dashboard } from './workloads/dashboard';
import { checksummed, chunked, memory, single } from './workloads/large-upload';
import { tiny } from './workloads/tiny';
import type { Plan, Workload } from './workloads/workload';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** The sizes, or the smoke run's (small enough to finish well under a minute). */
export function planFor(options: BenchOptions): Plan {
  const full = !options.quick;
  return {
    largeBytes: options.largeBytes,
    chunkBytes: full ? 16 * MiB : MiB,
    concurrentUploads: full ? 64 : 4,
    concurrentBytes: full ? 16 * MiB : MiB,
    tinyCount: full ? 2000 : 50,
    tinyBytes: 1024,
    dashboardBytes: options.largeBytes,
    memoryBytes: options.tenGiB ? [options.largeBytes, 10 * GiB] : [options.largeBytes],
  };
}

/** The selected workloads in the order each repetition runs them. */
export function workloadsFor(options: BenchOptions, plan: Plan): Workload[] {
  return options.workloads.flatMap((name) => {
    switch (name) {
      case 'single':
        return [single];
      case 'chunked':
        return [chunked];
      case 'checksummed':
        return [checksummed];
      case 'concurrent':
        return [concurrent];
      case 'tiny':
        return [tiny];
      case 'dashboard':
        return [dashboard];
      case 'memory':
        return plan.memoryBytes.map(memory);
    }
  });
}

/**
 * The servers in the order repetition `rep` (from 0) measures them: each
 * repetition starts one server later, so no server always follows the same
 * one or always runs first. A cell's cost depends on the state the previous
 * cells left the machine in (its page cache, its disk's TRIM; see
 * docs/performance.md, "The spread on this machine").
 */
export function serverOrder<T>(servers: readonly T[], rep: number): T[] {
  const shift = servers.length === 0 ? 0 : rep % servers.length;
  return [...servers.slice(shift), ...servers.slice(0, shift)];
}
