/**
 * npm run bench: OURS (the app as `npm start` serves it), the standalone
 * @tus/server baseline and the bare Node sinks, started side by side on
 * loopback and measured cell by cell, servers interleaved in every repetition.
 * Prints a table and writes JSON lines; exits 1 only when a server failed or
 * an upload was not byte-complete (a missed target is reported, not fatal).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CellDeadline, runCell, syncFileSystem, type CellRecord } from './cell';
import { formatSelfTime, mainThreadProfile, topSelfTime } from './cpu-profile';
import { readOptions, USAGE, type BenchOptions } from './options';
import { planFor, serverOrder, workloadsFor } from './plan';
import { formatCell, formatTable, JsonLines, misses } from './report';
import { PROJECT_ROOT, requireProductionBuild, startServer, type BenchServer, type ServerName } from './servers';
import { summarize } from './summary';
import { warmUp } from './warm-up';
import { secondsSince } from './workloads/workload';

const TMPFS_MAGIC = 0x01021994;

/** Upload folders must be on the real disk: tmpfs would measure memory, not the disk a server writes to. */
function workRoot(options: BenchOptions): string {
  if (options.dir) return options.dir;
  const tmp = os.tmpdir();
  return fs.statfsSync(tmp).type === TMPFS_MAGIC ? path.join(PROJECT_ROOT, 'bench', 'results') : tmp;
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const plan = planFor(options);
  const workloads = workloadsFor(options, plan);
  const needed = options.servers.filter((name) => workloads.some((workload) => workload.servers.includes(name)));
  if (needed.includes('ours') || needed.includes('ours-os')) requireProductionBuild();
  const root = workRoot(options);
  fs.mkdirSync(root, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(root, 'bench-'));
  // Whatever was deleted on this disk before the run (a previous run's folder) is trimmed now, not during the first cells.
  syncFileSystem(workDir);

  const json = new JsonLines(options.jsonFile);
  json.write({ type: 'run', startedAt: new Date().toISOString(), node: process.version, cpus: os.cpus().length, options, plan });
  console.log(
    `bench: ${workloads.map((w) => w.scenario).join(', ')} on ${needed.join(', ')}, ${options.reps} repetition(s), in ${workDir}`,
  );

  /** Every server process started, in order, so each is stopped (and each OURS profile found) at the end. */
  const servers: BenchServer[] = [];
  const start = async (name: ServerName): Promise<BenchServer> => {
    const server = await startServer(name, { workDir, cpuProfileDir: options.cpuProfileDir });
    servers.push(server);
    await warmUp(server);
    return server;
  };
  // Ctrl-C or a CI timeout: stop the servers (and remove their files) rather than leave them running.
  const interrupted = () => {
    console.error('bench: interrupted; stopping the servers');
    void Promise.all(servers.map((server) => server.stop())).finally(() => {
      fs.rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const cells: CellRecord[] = [];
  let failed = false;
  try {
    const starting = process.hrtime.bigint();
    const byName = new Map<ServerName, BenchServer>((await Promise.all(needed.map(start))).map((server) => [server.name, server]));
    console.log(
      `servers started and warmed up in ${secondsSince(starting).toFixed(1)} s: ${servers.map((s) => `${s.name} pid ${s.pid}`).join(', ')}`,
    );
    for (let rep = 0; rep < options.reps; rep++) {
      for (const workload of workloads) {
        for (const name of serverOrder(needed, rep)) {
          const server = byName.get(name);
          if (!server || !workload.servers.includes(name) || !server.running()) continue;
          try {
            // A cell that needs a fresh process gets one of its own: the server every other cell uses stays the
            // long-running process a deployment has (a restarted one would run its next cells in a younger heap).
            const fresh = workload.freshServer ? await start(name) : null;
            let cell: CellRecord;
            try {
              cell = await runCell(workload, fresh ?? server, plan, rep);
            } finally {
              await fresh?.stop();
            }
            cells.push(cell);
            json.write(cell);
            console.log(formatCell(cell));
          } catch (error) {
            failed = true;
            const message = error instanceof Error ? error.message : String(error);
            json.write({ type: 'failure', scenario: workload.scenario, server: name, rep, message });
            console.error(`FAIL ${workload.scenario} / ${name} #${rep + 1}: ${message}`);
            if (error instanceof CellDeadline && !workload.freshServer) {
              // A server stuck once would hold every later cell to its deadline too: it sits out the rest of the run.
              console.error(`--- ${name} (pid ${server.pid}) output:\n${server.log().slice(-4000)}\n--- ${name} is stopped`);
              await server.stop();
            }
          }
        }
      }
    }
  } catch (error) {
    failed = true;
    console.error(`FAIL ${error instanceof Error ? error.message : String(error)}`);
    // A server that failed while starting or warming up says why in its own output.
    for (const server of servers) console.error(`--- ${server.name} (pid ${server.pid}) output:\n${server.log().slice(-4000)}`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
    // The run's own deletes (every tiny file, kept until now) are trimmed before whatever runs next on this disk.
    syncFileSystem(root);
  }

  const rows = summarize(cells);
  for (const row of rows) json.write(row);
  console.log(`\n${formatTable(rows)}\n`);
  for (const line of misses(rows)) console.log(line);
  console.log(`JSON lines: ${options.jsonFile}`);
  const cpuProfileDir = options.cpuProfileDir;
  if (cpuProfileDir) for (const ours of servers.filter((server) => server.name === 'ours')) reportProfile(cpuProfileDir, ours.pid);
  if (failed) console.error('bench FAILED: a server failed or an upload was not byte-complete (see FAIL above)');
  return failed ? 1 : 0;
}

function reportProfile(dir: string, pid: number): void {
  const file = mainThreadProfile(dir, pid);
  if (!file) return void console.log(`no CPU profile of OURS (pid ${pid}) was written in ${dir}`);
  console.log(
    `\nCPU profile of OURS pid ${pid} (main thread): ${file}\nTop self time (idle left out):\n${formatSelfTime(topSelfTime(file))}`,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
