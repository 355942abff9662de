import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MiB, resetPeak, sampleProcess } from './process-stats';
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
  /** The same for the bench process (the client), to show it was not the bottleneck. */
  clientCpuSecondsPerGB: number;
}

/**
 * Runs one cell and reads the server's memory and CPU around it: VmHWM is
 * reset first so the peak is this cell's, and idle RSS is read right before.
 * Afterwards the cell's files are deleted and the disk flushed, so neither
 * the disk filling up nor a previous server's dirty pages weigh on the next cell.
 */
export async function runCell(workload: Workload, server: BenchServer, plan: Plan, rep: number): Promise<CellRecord> {
  const before = new Set(fs.readdirSync(server.uploadDir));
  resetPeak(server.pid);
  const idle = sampleProcess(server.pid);
  const client = process.cpuUsage();
  try {
    const measured = await workload.run(server, plan);
    const after = sampleProcess(server.pid);
    const clientUsage = process.cpuUsage(client);
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
      clientCpuSecondsPerGB: perGB((clientUsage.user + clientUsage.system) / 1e6),
    };
  } finally {
    for (const entry of fs.readdirSync(server.uploadDir)) {
      if (!before.has(entry)) fs.rmSync(path.join(server.uploadDir, entry), { recursive: true, force: true });
    }
    execFileSync('sync', ['-f', server.uploadDir]);
    if (!server.running()) throw new Error(`${server.name} stopped during ${workload.scenario}:\n${server.log()}`);
  }
}
