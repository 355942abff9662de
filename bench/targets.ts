import type { ServerName } from './servers';

/** The targets, all on OURS. */
export type Target =
  { scenario: string; against: { scenario: string; server: ServerName }; atLeast: number } | { scenarioPrefix: string; atMost: number };

export const TARGETS: Target[] = [
  { scenario: 'single', against: { scenario: 'single', server: 'baseline' }, atLeast: 4 },
  { scenario: 'single', against: { scenario: 'single', server: 'sink' }, atLeast: 0.8 },
  { scenario: 'concurrent', against: { scenario: 'concurrent', server: 'baseline' }, atLeast: 4 },
  { scenario: 'tiny', against: { scenario: 'tiny', server: 'baseline' }, atLeast: 2 },
  { scenario: 'dashboard', against: { scenario: 'single', server: 'ours' }, atLeast: 0.7 },
  // Peak RSS above idle, MiB: memory must not grow with the size of an upload.
  { scenarioPrefix: 'memory', atMost: 32 },
];
