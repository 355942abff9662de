import { SAME_PROMISE, type ServerName } from './servers';

/**
 * The targets. Each names the server it holds and the measurement that
 * bounds it in the same run, which a miss prints beside its own figure.
 */
export type Target =
  /** The median of `server` in `scenario` is at least `atLeast` times the median of `against`. */
  | { server: ServerName; scenario: string; atLeast: number; against: { scenario: string; server: ServerName } }
  /** CPU per byte (so per upload, at a fixed size) of `server` is at most `cpuAtMost` times `cpuOf`'s, in the same scenario. */
  | { server: ServerName; scenario: string; cpuAtMost: number; cpuOf: ServerName }
  /** Peak RSS above the idle RSS read just before each cell, MiB (median of the cells). */
  | { server: ServerName; scenario: string; rssAboveIdleAtMost: number };

/** Whether a target written for `target` applies to the row of `scenario`: `memory` covers `memory 1 GiB` and `memory 10 GiB`. */
export function appliesTo(target: string, scenario: string): boolean {
  return scenario === target || scenario.startsWith(`${target} `);
}

/** In each durability mode, against the bare Node server that keeps the same promise: throughput and CPU per byte. */
const LIKE_FOR_LIKE = ['single', 'chunked', 'concurrent', 'tiny'].flatMap((scenario) =>
  (['ours', 'ours-os'] as const).flatMap((server): Target[] => {
    const sink = SAME_PROMISE[server] as ServerName;
    return [
      { server, scenario, atLeast: 0.9, against: { scenario, server: sink } },
      { server, scenario, cpuAtMost: 1.25, cpuOf: sink },
    ];
  }),
);

export const TARGETS: Target[] = [
  ...LIKE_FOR_LIKE,
  // Verifying a checksum on every PATCH costs at most a fifth of the same upload without.
  { server: 'ours', scenario: 'checksummed', atLeast: 0.8, against: { scenario: 'chunked', server: 'ours' } },
  // The bound is the same Chromium sending the same pieces with XMLHttpRequest to a server that stores without flushing.
  { server: 'ours', scenario: 'dashboard', atLeast: 0.8, against: { scenario: 'dashboard', server: 'sink-nosync' } },
  { server: 'ours', scenario: 'dashboard', cpuAtMost: 2, cpuOf: 'sink-nosync' },
  // Memory must not grow with the size of an upload, nor much with the number at once.
  { server: 'ours', scenario: 'memory', rssAboveIdleAtMost: 32 },
  { server: 'ours', scenario: 'concurrent', rssAboveIdleAtMost: 64 },
];
