import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseByteSize } from '@resumable-uploads/engine';
import { PROJECT_ROOT, serverNames, type ServerName } from './servers';

export const WORKLOAD_NAMES = ['single', 'chunked', 'checksummed', 'concurrent', 'tiny', 'dashboard', 'memory'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

const GiB = 2 ** 30;
const MiB = 2 ** 20;

export const USAGE = `npm run bench -- [options]

  --quick              smoke run: tiny sizes, 1 repetition, no 10 GiB (well under a minute)
  --reps N             repetitions of every cell (default 3; quick: 1)
  --size SIZE          the large upload of single, chunked, dashboard and memory (default 1GiB)
  --only LIST          workloads, comma-separated: ${WORKLOAD_NAMES.join(',')}
  --servers LIST       servers, comma-separated: ${serverNames().join(',')}
  --no-10g             skip the 10 GiB memory cell
  --json PATH          JSON lines output (default bench/results/bench-results.jsonl)
  --dir PATH           where upload folders go (default: the OS temp folder unless it is tmpfs, else bench/results)
  --cpu-prof           run OURS under node --cpu-prof; print where the profile went and its top self time
  --cpu-prof-dir PATH  folder for the profile (default bench/results/cpu-profiles)
  --help`;

export interface BenchOptions {
  quick: boolean;
  reps: number;
  largeBytes: number;
  workloads: WorkloadName[];
  servers: ServerName[];
  tenGiB: boolean;
  jsonFile: string;
  dir: string | undefined;
  cpuProfileDir: string | undefined;
}

function list<T extends string>(raw: string | undefined, allowed: readonly T[], flag: string): T[] {
  if (raw === undefined) return [...allowed];
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(allowed as readonly string[]).includes(name)) throw new Error(`${flag}: unknown "${name}" (one of ${allowed.join(', ')})`);
  }
  return allowed.filter((name) => names.includes(name));
}

export function readOptions(argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      size: { type: 'string' },
      only: { type: 'string' },
      servers: { type: 'string' },
      'no-10g': { type: 'boolean', default: false },
      json: { type: 'string' },
      dir: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'cpu-prof-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const reps = values.reps === undefined ? (quick ? 1 : 3) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a whole number of at least 1 (got "${values.reps}")`);
  const largeBytes = values.size === undefined ? (quick ? 8 * MiB : GiB) : parseByteSize(values.size);
  if (!largeBytes) throw new Error(`--size must be a size such as 1GiB or 256MiB (got "${values.size}")`);
  const results = path.join(PROJECT_ROOT, 'bench', 'results');
  const servers = serverNames(env);
  if (values.servers?.split(',').some((name) => name.trim() === 'tusd') && !servers.includes('tusd')) {
    throw new Error('--servers: tusd runs only when TUSD_BIN names a tusd binary');
  }
  return {
    quick,
    reps,
    largeBytes,
    workloads: list(values.only, WORKLOAD_NAMES, '--only'),
    servers: list(values.servers, servers, '--servers'),
    tenGiB: !quick && !values['no-10g'],
    jsonFile: path.resolve(values.json ?? path.join(results, 'bench-results.jsonl')),
    dir: values.dir === undefined ? undefined : path.resolve(values.dir),
    cpuProfileDir:
      values['cpu-prof'] || values['cpu-prof-dir'] ? path.resolve(values['cpu-prof-dir'] ?? path.join(results, 'cpu-profiles')) : undefined,
  };
}
