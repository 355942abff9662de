import { spawn, type ChildProcess } from 'node:child_process';
import { test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventLogReader } from './event-log';
import { startOnFreePort } from './free-port';
import { standIn } from './stand-in';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/**
 * The app a test runs against: this project's (`npm start`), or another
 * built one named by its Playwright project (`metadata.app`, e.g. the
 * minimal example, whose production entry is `server.ts`).
 */
function appUnderTest(): { dir: string; args: string[] } {
  let other: string | undefined;
  try {
    other = (test.info().project.metadata as { app?: string } | undefined)?.app;
  } catch {
    // Outside a test (the benchmark): this project's app.
  }
  if (other) return { dir: path.join(PROJECT_ROOT, other), args: ['--import', 'tsx', 'server.ts'] };
  return { dir: PROJECT_ROOT, args: ['--import', 'tsx', 'serve.ts'] };
}

/**
 * Ready is two lines, in either order: the engine's, once it is composed and has repaired its folder (Next.js runs
 * instrumentation without the server waiting for it), and the HTTP server's, once it listens (a port taken between
 * freePort() and then stops the server after the engine's line).
 */
const READY_LINES = ['ready: storing uploads in', 'listening on http://'];
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppServerOptions {
  /** Extra environment for the server (UPLOAD_MAX_SIZE, CORS_ALLOWED_ORIGINS, …). */
  env?: Record<string, string>;
  /** An upload folder shared with other instances (a shared disk); the caller removes it. Default: a folder of its own. */
  uploadDir?: string;
}

/**
 * The production build (`next build` output) served as `npm start` serves it on a free
 * loopback port, with its own upload folder and event log. It runs in its own
 * process group so a test can SIGKILL it like a crash and start it again on
 * the same port, folder and log.
 */
export class AppServer {
  readonly events: EventLogReader;
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    readonly uploadDir: string,
    readonly eventLogFile: string,
    private readonly env: Record<string, string>,
  ) {
    this.events = new EventLogReader(eventLogFile);
  }

  static async start(options: AppServerOptions = {}): Promise<AppServer> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uploads-test-'));
    const uploadDir = options.uploadDir ?? path.join(root, 'uploads');
    const eventLogFile = path.join(root, 'events.jsonl');
    fs.writeFileSync(eventLogFile, '');
    return startOnFreePort(async (port) => {
      const server = new AppServer(port, uploadDir, eventLogFile, options.env ?? {});
      await server.launch();
      return server;
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get endpoint(): string {
    return `${this.baseUrl}/api/upload`;
  }

  /** Everything the server printed, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Starts the server again after stop() or kill(), on the same port, folder and log. */
  async launch(): Promise<void> {
    if (this.child) throw new Error('server already running');
    this.output = '';
    const app = appUnderTest();
    const child = spawn(process.execPath, app.args, {
      cwd: app.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        UPLOAD_DIR: this.uploadDir,
        UPLOAD_EVENT_LOG: this.eventLogFile,
        ...this.env,
      },
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${this.output}`)),
        START_TIMEOUT_MS,
      );
      const onData = (data: Buffer) => {
        this.output += data.toString();
        if (READY_LINES.every((line) => this.output.includes(line))) {
          clearTimeout(timer);
          resolve();
        }
      };
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      // 'close', not 'exit': by then everything it printed (why it stopped) has been read.
      child.once('close', (code, signal) => fail(new Error(`server exited (${code ?? signal}) before it was ready:\n${this.output}`)));
    });
  }

  /** The crash a test wants: SIGKILL to the whole process group, no cleanup. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** A normal shutdown; says how the process ended (code 0 when it shut down by itself). */
  async stop(): Promise<ProcessExit> {
    return this.signal('SIGTERM');
  }

  /** Stops the server and deletes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    // Its own folder (event log, and the upload folder unless a shared one was given).
    fs.rmSync(path.dirname(this.eventLogFile), { recursive: true, force: true });
  }

  /** True while the server process is alive: proof that no request took it down. */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async signal(signal: NodeJS.Signals): Promise<ProcessExit> {
    const child = this.child;
    if (!child?.pid) return { code: null, signal: null };
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
    const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })));
    const pid = child.pid;
    try {
      process.kill(-pid, signal);
    } catch {
      return { code: null, signal: null };
    }
    // The server gives running requests SHUTDOWN_GRACE on SIGTERM; a test that
    // left a connection open must not hang the run, so a slow stop becomes a kill.
    const escalation = signal === 'SIGKILL' ? undefined : setTimeout(() => killGroup(pid), STOP_GRACE_MS);
    const exit = await exited;
    clearTimeout(escalation);
    return exit;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * The server of one test file: started before its first test, disposed after
 * its last. Returns a stand-in usable at module level (`app.endpoint`, …)
 * that forwards to the running server.
 */
export function serverForThisFile(options: AppServerOptions = {}): AppServer {
  let server: AppServer | undefined;
  test.beforeAll(async () => {
    server = await AppServer.start(options);
  });
  test.afterAll(async () => {
    await server?.dispose();
  });
  return standIn(() => server, 'server');
}
