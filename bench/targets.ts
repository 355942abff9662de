import type { ServerName } from './servers';

/**
 * What bounds a ratio target in the same run: the same ratio computed with
 * `server`'s result in place of OURS. When even that server stays below the
 * target, no server of its kind can reach it on this machine, and the run says so.
 */
export interface TargetLimit {
  server: ServerName;
  /** What that server is, for the printed line. */
  what: string;
}

/** The targets, all on OURS. */
export type Target =
  | { scenario: string; against: { scenario: string; server: ServerName }; atLeast: number; limit?: TargetLimit }
  | { scenarioPrefix: string; atMost: number }
  /** CPU per byte (so per upload, at a fixed size) of OURS against `server`'s, in the same scenario. */
  | { scenario: string; cpuAtMost: number; cpuOf: ServerName };

const NO_FLUSH_LIMIT: TargetLimit = { server: 'sink-nosync', what: 'a bare Node server that stores without flushing' };

export const TARGETS: Target[] = [
  { scenario: 'single', against: { scenario: 'single', server: 'baseline' }, atLeast: 4, limit: NO_FLUSH_LIMIT },
  { scenario: 'single', against: { scenario: 'single', server: 'sink' }, atLeast: 0.8 },
  { scenario: 'concurrent', against: { scenario: 'concurrent', server: 'baseline' }, atLeast: 4, limit: NO_FLUSH_LIMIT },
  // Ours acknowledges only what is on the disk: the bound is the fastest Node code that keeps that promise.
  {
    scenario: 'tiny',
    against: { scenario: 'tiny', server: 'baseline' },
    atLeast: 2,
    limit: { server: 'sink', what: 'a bare Node server that flushes before it answers, as ours does' },
  },
  // What a request costs beyond storing it durably: the flushing sink stores the same bytes, with the same flushes.
  { scenario: 'tiny', cpuAtMost: 1.5, cpuOf: 'sink' },
  {
    scenario: 'dashboard',
    against: { scenario: 'single', server: 'ours' },
    atLeast: 0.7,
    limit: { server: 'sink-nosync', what: 'the same Chromium sending the same pieces to a server that stores without flushing' },
  },
  // Peak RSS above idle, MiB: memory must not grow with the size of an upload.
  { scenarioPrefix: 'memory', atMost: 32 },
];
