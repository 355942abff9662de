import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syncFileSystem } from './cell';
import { sampleProcess } from './process-stats';
import { requireProductionBuild, startServer, type BenchServer } from './servers';
import { TusClient } from './tus-client';
import { expectComplete, megabytesPerSecond, secondsSince } from './workloads/workload';

/**
 * What several worker processes could gain on `concurrent` in os mode, at
 * best: N independent `ours-os` processes, each with its own folder, the 64
 * uploads dealt out among them. Real workers would also share locks and a
 * folder, so this is a ceiling: if it shows no gain, workers cannot show one.
 *
 *   npx tsx bench/workers-ceiling.ts [processes…]   (default: 1 2)
 */

const UPLOADS = 64;
const BYTES = 16 * 2 ** 20;
const REPS = 3;

async function measure(processes: number, workDir: string): Promise<{ mbps: number; cpuPerGB: number }> {
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await startServer('ours-os', { workDir }));
    const clients = servers.map((server) => new TusClient(server.endpoint));
    try {
      // One upload each first: every process warmed up before the clock starts.
      await Promise.all(clients.map((client) => client.upload(BYTES)));
      const before = servers.map((server) => sampleProcess(server.pid).cpuSeconds);
      const start = process.hrtime.bigint();
      const urls = await Promise.all(Array.from({ length: UPLOADS }, (_, i) => clients[i % processes].upload(BYTES)));
      const seconds = secondsSince(start);
      const cpu = servers.reduce((sum, server, i) => sum + sampleProcess(server.pid).cpuSeconds - before[i], 0);
      for (const [i, url] of urls.entries()) {
        const client = clients[i % processes];
        await expectComplete(servers[i % processes], (u) => client.head(u), url, BYTES);
      }
      const bytes = UPLOADS * BYTES;
      return { mbps: megabytesPerSecond(bytes, seconds), cpuPerGB: cpu / (bytes / 1e9) };
    } finally {
      for (const client of clients) client.close();
    }
  } finally {
    for (const server of servers) await server.stop();
    syncFileSystem(workDir);
  }
}

async function main(): Promise<void> {
  requireProductionBuild();
  const counts = process.argv.slice(2).map(Number);
  const processes = counts.length > 0 ? counts : [1, 2];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workers-ceiling-'));
  console.log(`workers ceiling: ${UPLOADS} x ${BYTES / 2 ** 20} MiB at once on ours-os, ${os.cpus().length} cores, ${REPS} reps`);
  try {
    for (let rep = 1; rep <= REPS; rep++) {
      for (const n of processes) {
        const { mbps, cpuPerGB } = await measure(n, workDir);
        console.log(`rep ${rep}: ${n} process(es): ${mbps.toFixed(0)} MB/s, CPU ${cpuPerGB.toFixed(2)} s/GB`);
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
