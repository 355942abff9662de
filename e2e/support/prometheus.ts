import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/** Debian's prometheus (2.42), installed by `npm run test:deps`. */
const PROMETHEUS_BINARY = 'prometheus';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** What Prometheus logs once its storage is open and its API answers. */
const READY_LINE = 'Server is ready to receive web requests.';

export interface ScrapeTarget {
  /** `127.0.0.1:<port>` */
  address: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** How often Prometheus scrapes: often, so a test waits little for the next one. */
  intervalMs: number;
}

/** One sample of an instant query's vector. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/**
 * A real Prometheus server for a test: on a free 127.0.0.1 port, with a
 * temporary configuration that scrapes one target and a temporary data
 * folder, in its own process group. `dispose()` stops it and removes both.
 */
export class PrometheusServer {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(target: ScrapeTarget): Promise<PrometheusServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-test-'));
    const server = new PrometheusServer(await freePort(), dir);
    try {
      await server.launch(target);
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** Everything Prometheus printed, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** The vector an instant query returns now (`/api/v1/query`). */
  async query(expression: string): Promise<Sample[]> {
    const response = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(expression)}`);
    const answer = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (answer.status !== 'success' || answer.data?.resultType !== 'vector') {
      throw new Error(`query ${expression} failed: ${answer.error ?? JSON.stringify(answer)}`);
    }
    return answer.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }

  /** The one value of a query whose vector has one sample, or null while it has none (not scraped yet). */
  async value(expression: string): Promise<number | null> {
    const samples = await this.query(expression);
    if (samples.length > 1) throw new Error(`query ${expression} has ${samples.length} samples`);
    return samples[0]?.value ?? null;
  }

  /** Stops Prometheus (SIGTERM, SIGKILL after a while) and removes its configuration and data. */
  async dispose(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const pid = child.pid;
      sendToGroup(pid, 'SIGTERM');
      const escalation = setTimeout(() => sendToGroup(pid, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(escalation);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(target: ScrapeTarget): Promise<void> {
    const config = path.join(this.dir, 'prometheus.yml');
    // JSON is YAML: no YAML writer needed.
    const job: Record<string, unknown> = {
      job_name: 'uploads',
      scrape_interval: `${target.intervalMs}ms`,
      scrape_timeout: `${target.intervalMs}ms`,
      static_configs: [{ targets: [target.address] }],
    };
    if (target.token) job.authorization = { type: 'Bearer', credentials: target.token };
    fs.writeFileSync(config, JSON.stringify({ scrape_configs: [job] }, null, 2));
    const child = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--log.level=info',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`prometheus was not ready within ${START_TIMEOUT_MS} ms:\n${this.output}`)),
        START_TIMEOUT_MS,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      const onData = (data: Buffer) => {
        this.output += data.toString();
        if (this.output.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`prometheus exited (${code ?? signal}) before it was ready:\n${this.output}`)));
    });
  }
}

function sendToGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
