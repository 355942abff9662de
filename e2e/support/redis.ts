import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startOnFreePort } from './free-port';

/** Debian's redis-server (7.x); REDIS_SERVER chooses another binary. */
const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * A real redis-server on a free 127.0.0.1 port, for tests: no persistence
 * (`--save ''`, `--appendonly no`), its own temporary folder, in its own
 * process group. `stop()` and `kill()` keep the port so `restart()` brings
 * back an empty Redis where clients reconnect to.
 */
export class RedisServer {
  private child: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    return startOnFreePort(async (port) => {
      const server = new RedisServer(port, fs.mkdtempSync(path.join(os.tmpdir(), 'redis-test-')));
      try {
        await server.launch();
      } catch (error) {
        await server.dispose();
        throw error;
      }
      return server;
    });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything redis-server printed since it last started, for failure messages. */
  get log(): string {
    return this.output;
  }

  /** Starts redis-server (again) on the same port and folder, and resolves once it answers PING. */
  async launch(): Promise<void> {
    if (this.child) throw new Error('redis-server already running');
    this.output = '';
    const child = spawn(
      REDIS_BINARY,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    const onData = (data: Buffer) => {
      this.output += data.toString();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<never>((_resolve, reject) => {
      child.once('error', reject);
      // 'close', not 'exit': by then everything it printed (why it stopped) has been read.
      child.once('close', (code, signal) => reject(new Error(`redis-server exited (${code ?? signal}):\n${this.output}`)));
    });
    exited.catch(() => undefined);
    await Promise.race([waitForPong(this.port, START_TIMEOUT_MS), exited]);
  }

  /** A clean shutdown (SIGTERM): the port is closed once this resolves. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** A crash: SIGKILL, no goodbye to clients. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Stop and start again on the same port: an empty Redis, as after a crash without persistence. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its folder. */
  async dispose(): Promise<void> {
    await this.signal('SIGTERM');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = child.pid;
    sendToGroup(pid, signal);
    const escalation = signal === 'SIGKILL' ? undefined : setTimeout(() => sendToGroup(pid, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(escalation);
  }
}

function sendToGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Resolves once a connection to the port gets `+PONG` for `PING`; retries refused connections until the deadline. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      await ping(port, deadline - Date.now());
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${String(lastError)}`);
}

function ping(port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error('no answer')));
    socket.on('error', done);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) done(received.startsWith('+PONG') ? undefined : new Error(`answered ${JSON.stringify(received)}`));
    });
  });
}
