import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { discardedBytes, MiB, resetPeak, sampleProcess } from './process-stats';
import type { BenchServer, ServerName } from './servers';
import type { Plan, Unit, Workload } from './workloads/workload';

/** One measurement: one workload, one server, one repetition. */
export interface CellRecord {
  type: 'cell';
  scenario: string;
  server: ServerName;
  rep: number;
  value: number;
  unit: Unit;
  seconds: number;
  bytes: number;
  idleRssMiB: number;
  peakRssMiB: number;
  peakAboveIdleMiB: number;
  cpuSeconds: number;
  /** CPU seconds per GB (10^9 bytes) of request body stored. */
  cpuSecondsPerGB: number;
  /** The part of cpuSeconds spent on the server's main thread, 0 to 1: what one more core could not take over. */
  mainThreadShare: number;
  /** The same for the bench process (the client), to show it was not the bottleneck. */
  clientCpuSecondsPerGB: number;
  /**
   * TRIM the upload folder's disk did during the cell, by any process, MiB
   * (null where the disk's counters cannot be read): file creations run
   * slower meanwhile, so a cell with some did not measure the server alone.
   */
  discardedMiB: number | null;
}

/** The slowest rate a cell may move its bytes at before it fails rather than holds up the run. */
const SLOWEST_BYTES_PER_SECOND = 5e6;
const SHORTEST_DEADLINE_MS = 120_000;

/**
 * How long any cell of `plan` may take: its largest upload at 5 MB/s, two
 * minutes at least. A server, client or browser that stops moving then fails
 * its cell with a message instead of hanging the run until CI kills it.
 */
export function cellDeadlineMs(plan: Plan): number {
  const largest = Math.max(plan.largeBytes, plan.dashboardBytes, plan.concurrentUploads * plan.concurrentBytes, ...plan.memoryBytes);
  return Math.max(SHORTEST_DEADLINE_MS, (largest / SLOWEST_BYTES_PER_SECOND) * 1000);
}

/** A cell that stored less than this keeps its files until the run ends (its folder is removed then). */
const KEEP_UNTIL_THE_END_BYTES = 256 * 2 ** 20;

/**
 * Commits the file system holding `dir` (`sync -f`): its dirty pages reach the
 * disk, and with `discard` the TRIM of files deleted before it is done when it returns.
 */
export function syncFileSystem(dir: string): void {
  execFileSync('sync', ['-f', dir]);
}

/** Thrown when a cell is still running at its deadline. */
export class CellDeadline extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CellDeadline(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Runs one cell and reads the server's memory and CPU around it: VmHWM is
 * reset first so the peak is this cell's, and idle RSS is read right before.
 * Afterwards the cell's files are deleted and the file system synced, so
 * neither the disk filling up nor a previous server's dirty pages weigh on
 * the next cell. The sync is also what keeps the deletes' TRIM out of the next
 * cell on a file system mounted with `discard`: it returns once the journal
 * commit has issued and completed the discards of the freed blocks (measured:
 * all of a 1 GiB file's, or 2,000 files', within the untimed sync), whereas
 * TRIM running during a cell slowed tiny uploads to about 0.67x (bench/README.md).
 * A cell that stored little (tiny: thousands of small files) keeps its files
 * until the run ends, which costs nothing.
 */
export async function runCell(
  workload: Workload,
  server: BenchServer,
  plan: Plan,
  rep: number,
  deadlineMs = cellDeadlineMs(plan),
): Promise<CellRecord> {
  const before = new Set(fs.readdirSync(server.uploadDir));
  resetPeak(server.pid);
  const idle = sampleProcess(server.pid);
  const discardedBefore = discardedBytes(server.uploadDir);
  const client = process.cpuUsage();
  try {
    const measured = await withDeadline(workload.run(server, plan), deadlineMs, `${workload.scenario} on ${server.name}`);
    const after = sampleProcess(server.pid);
    const clientUsage = process.cpuUsage(client);
    const discardedAfter = discardedBytes(server.uploadDir);
    const perGB = (seconds: number) => seconds / (measured.bytes / 1e9);
    const peakAboveIdleMiB = (after.peakRss - idle.rss) / MiB;
    const cpuSeconds = after.cpuSeconds - idle.cpuSeconds;
    return {
      type: 'cell',
      scenario: workload.scenario,
      server: server.name,
      rep,
      value: workload.unit === 'MiB above idle' ? peakAboveIdleMiB : measured.value,
      unit: workload.unit,
      seconds: measured.seconds,
      bytes: measured.bytes,
      idleRssMiB: idle.rss / MiB,
      peakRssMiB: after.peakRss / MiB,
      peakAboveIdleMiB,
      cpuSeconds,
      cpuSecondsPerGB: perGB(cpuSeconds),
      mainThreadShare: cpuSeconds > 0 ? (after.mainThreadCpuSeconds - idle.mainThreadCpuSeconds) / cpuSeconds : 0,
      clientCpuSecondsPerGB: perGB((clientUsage.user + clientUsage.system) / 1e6),
      discardedMiB: discardedBefore === null || discardedAfter === null ? null : (discardedAfter - discardedBefore) / MiB,
    };
  } finally {
    const added = fs.readdirSync(server.uploadDir).filter((entry) => !before.has(entry));
    const bytes = added.reduce(
      (sum, entry) => sum + (fs.statSync(path.join(server.uploadDir, entry), { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
    if (bytes > KEEP_UNTIL_THE_END_BYTES) {
      for (const entry of added) fs.rmSync(path.join(server.uploadDir, entry), { recursive: true, force: true });
    }
    syncFileSystem(server.uploadDir);
    if (!server.running()) throw new Error(`${server.name} stopped during ${workload.scenario}:\n${server.log()}`);
  }
}
