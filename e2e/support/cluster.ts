import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from '@playwright/test';
import { PROJECT_ROOT } from './app-server';
import { EventLogReader } from './event-log';
import { freePort } from './free-port';
import { standIn } from './stand-in';

const CLUSTER_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'cluster.sh');
/** Ceph's first start is the slowest part (about 15 s alone, more on a busy machine). */
const UP_TIMEOUT_MS = 240_000;
const PART_TIMEOUT_MS = 120_000;

export interface ClusterOptions {
  /** Extra environment for both app instances (UPLOAD_IDLE_TIMEOUT, …). */
  env?: Record<string, string>;
}

/**
 * One app instance of the cluster: its own URL (bypassing nginx), pid and
 * event log, and what a test does to it (SIGKILL, start again).
 */
export class ClusterInstance {
  readonly events: EventLogReader;

  constructor(
    private readonly cluster: Cluster,
    readonly name: string,
    readonly port: number,
  ) {
    this.events = new EventLogReader(path.join(cluster.dir, 'logs', `${name}-events.jsonl`));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get endpoint(): string {
    return `${this.baseUrl}/api/upload`;
  }

  /** The pid of the running instance (the leader of its process group), or null. */
  get pid(): number | null {
    return this.cluster.pidOf(this.name);
  }

  get running(): boolean {
    const pid = this.pid;
    if (pid === null) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** A crash: SIGKILL to the instance's process group; resolves once the process is gone. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      return;
    }
    const deadline = Date.now() + 10_000;
    while (this.running) {
      if (Date.now() > deadline) throw new Error(`${this.name} (pid ${pid}) still alive 10 s after SIGKILL`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Starts the instance again (same port, same event log); resolves once it is ready. */
  async start(): Promise<void> {
    await this.cluster.run(['start', this.name], PART_TIMEOUT_MS);
  }

  /** Everything the instance printed (across restarts), for failure messages. */
  get log(): string {
    return this.cluster.logOf(this.name);
  }
}

/**
 * The scale-out cluster of scripts/cluster.sh (Redis, Ceph RGW, two app
 * instances, nginx), started by that same script on free ports of 127.0.0.1
 * with its state in a temporary folder, so a test runs exactly what a user
 * runs with `npm run cluster -- up`.
 */
export class Cluster {
  readonly instances: [ClusterInstance, ClusterInstance];

  private constructor(
    readonly dir: string,
    private readonly ports: { lb: number; apps: [number, number]; redis: number; mon: number; rgw: number },
    private readonly env: Record<string, string>,
  ) {
    this.instances = [new ClusterInstance(this, 'app1', ports.apps[0]), new ClusterInstance(this, 'app2', ports.apps[1])];
  }

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-test-'));
    const ports = {
      lb: await freePort(),
      apps: [await freePort(), await freePort()] as [number, number],
      redis: await freePort(),
      mon: await freePort(),
      rgw: await freePort(),
    };
    const cluster = new Cluster(dir, ports, options.env ?? {});
    // Its daemons run in sessions of their own: a worker that dies without its afterAll must not leave them behind.
    process.once('exit', cluster.stopAtExit);
    try {
      await cluster.run(['up'], UP_TIMEOUT_MS);
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
    return cluster;
  }

  /** nginx: where clients go. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.ports.lb}`;
  }

  get endpoint(): string {
    return `${this.baseUrl}/api/upload`;
  }

  get redisPort(): number {
    return this.ports.redis;
  }

  get s3Endpoint(): string {
    return `http://127.0.0.1:${this.ports.rgw}`;
  }

  /** The instance an answer came from, by the pid its event log line carries. */
  instanceWithPid(pid: number): ClusterInstance | undefined {
    return this.instances.find((instance) => instance.events.all().some((event) => event.pid === pid));
  }

  /** Stops Redis (a clean shutdown; it keeps nothing: no persistence). */
  async stopRedis(): Promise<void> {
    await this.run(['stop', 'redis'], PART_TIMEOUT_MS);
  }

  async startRedis(): Promise<void> {
    await this.run(['start', 'redis'], PART_TIMEOUT_MS);
  }

  /** Stops Ceph (monitor, OSD and RGW; the OSD writes its objects to the state folder). */
  async stopCeph(): Promise<void> {
    await this.run(['stop', 'ceph'], PART_TIMEOUT_MS);
  }

  async startCeph(): Promise<void> {
    await this.run(['start', 'ceph'], PART_TIMEOUT_MS);
  }

  /** Stops every part and removes the state folder. */
  async dispose(): Promise<void> {
    process.off('exit', this.stopAtExit);
    try {
      await this.run(['down'], PART_TIMEOUT_MS);
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private readonly stopAtExit = (): void => {
    try {
      execFileSync('bash', [CLUSTER_SCRIPT, 'down'], { env: this.scriptEnv(), timeout: PART_TIMEOUT_MS, stdio: 'ignore' });
    } catch {
      // Best effort while the process exits.
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  };

  pidOf(part: string): number | null {
    try {
      return Number(fs.readFileSync(path.join(this.dir, 'run', `${part}.pid`), 'utf8').trim());
    } catch {
      return null;
    }
  }

  logOf(part: string): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'logs', `${part}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** Runs scripts/cluster.sh with this cluster's folder and ports; fails with its output. */
  run(args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const options = { env: this.scriptEnv(), timeout: timeoutMs, killSignal: 'SIGKILL' as const };
      execFile('bash', [CLUSTER_SCRIPT, ...args], options, (error, stdout, stderr) => {
        if (error) reject(new Error(`cluster.sh ${args.join(' ')} failed (${error.message}):\n${stdout}${stderr}`));
        else resolve(stdout);
      });
    });
  }

  private scriptEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.env,
      CLUSTER_DIR: this.dir,
      CLUSTER_LB_PORT: String(this.ports.lb),
      CLUSTER_APP_PORTS: this.ports.apps.join(' '),
      CLUSTER_REDIS_PORT: String(this.ports.redis),
      CLUSTER_MON_PORT: String(this.ports.mon),
      CLUSTER_RGW_PORT: String(this.ports.rgw),
    };
  }
}

/**
 * The cluster of one test file: started before its first test (a Ceph start
 * is too slow to pay per test), stopped after its last, also when a test fails.
 */
export function clusterForThisFile(options: ClusterOptions = {}): Cluster {
  let cluster: Cluster | undefined;
  test.beforeAll(async () => {
    test.setTimeout(UP_TIMEOUT_MS + 30_000);
    cluster = await Cluster.start(options);
  });
  test.afterAll(async () => {
    test.setTimeout(PART_TIMEOUT_MS + 30_000);
    await cluster?.dispose();
  });
  return standIn(() => cluster, 'cluster');
}
