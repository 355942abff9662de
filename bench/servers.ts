import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../e2e/support/free-port';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * The servers a run compares; OURS is the app as `npm start` serves it, OURS-OS
 * the same with UPLOAD_DURABILITY=os. TUSD runs only when TUSD_BIN names a
 * tusd binary (see serverNames).
 */
export const SERVER_NAMES = ['ours', 'ours-os', 'baseline', 'sink', 'sink-nosync', 'tusd'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** The servers this environment can start: all of them, tusd only when TUSD_BIN names its binary. */
export function serverNames(env: Record<string, string | undefined> = process.env): ServerName[] {
  return SERVER_NAMES.filter((name) => name !== 'tusd' || Boolean(env.TUSD_BIN));
}

/**
 * The bare server that keeps the same promise as each server measured against
 * one: what a like-for-like ratio divides by. tusd never flushes.
 */
export const SAME_PROMISE: Partial<Record<ServerName, ServerName>> = { ours: 'sink', 'ours-os': 'sink-nosync', tusd: 'sink-nosync' };

const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;

export interface ServerOptions {
  /** Where this server's upload folder is created (a fresh subfolder). */
  workDir: string;
  /** OURS only: write a V8 CPU profile into this folder when it stops. */
  cpuProfileDir?: string;
}

/** One server under test, running in its own process on 127.0.0.1. */
export interface BenchServer {
  readonly name: ServerName;
  /** The tus creation URL. */
  readonly endpoint: string;
  /** The page the dashboard workload opens (OURS only serves one). */
  readonly baseUrl: string;
  /** The process that serves requests: the one whose memory and CPU are measured. */
  readonly pid: number;
  /** Where the server stores upload data: `<uploadDir>/<upload id>` for every server here. */
  readonly uploadDir: string;
  /** Everything the process printed, for failure messages. */
  readonly log: () => string;
  /** True while the process runs: a server that died mid-run makes the run fail. */
  readonly running: () => boolean;
  stop(): Promise<void>;
}

interface Launch {
  name: ServerName;
  /** The executable: Node itself unless given. */
  command?: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  endpointPath: string;
  /** Printed once the server accepts requests; without one, the server is ready once it answers OPTIONS. */
  readyLine?: string;
  uploadDir: string;
}

/** `npm start`'s command line, read from package.json so the bench runs exactly what users run. */
function npmStartArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = pkg.scripts.start.split(/\s+/);
  if (command !== 'node') throw new Error(`npm start runs "${pkg.scripts.start}"; the bench expects a "node …" command`);
  return args;
}

export function requireProductionBuild(): void {
  if (!fs.existsSync(path.join(PROJECT_ROOT, '.next', 'BUILD_ID'))) {
    throw new Error('no production build (.next/BUILD_ID is missing): run `npm run build` first, then `npm run bench`');
  }
}

export async function startServer(name: ServerName, options: ServerOptions): Promise<BenchServer> {
  const uploadDir = fs.mkdtempSync(path.join(options.workDir, `${name}-`));
  const port = await freePort();
  const script = (file: string) => ['--import', 'tsx', path.join('bench', file)];
  switch (name) {
    case 'ours':
    case 'ours-os': {
      // Node flags go before the loader so the profile covers the whole process.
      const profile = options.cpuProfileDir && name === 'ours' ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
      const durability = name === 'ours' ? 'strict' : 'os';
      return launch({
        name,
        args: [...profile, ...npmStartArgs()],
        env: { UPLOAD_DIR: uploadDir, UPLOAD_DURABILITY: durability, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
        port,
        endpointPath: '/api/upload',
        // Ready once it answers OPTIONS (after its start-up repair): its own lines depend on LOG_LEVEL.
        uploadDir,
      });
    }
    case 'baseline':
      return launch({
        name,
        args: script('baseline-server.ts'),
        env: { UPLOAD_DIR: uploadDir },
        port,
        endpointPath: '/files',
        readyLine: READY,
        uploadDir,
      });
    case 'sink':
    case 'sink-nosync':
      return launch({
        name,
        args: script('sink-server.ts'),
        env: { UPLOAD_DIR: uploadDir, SINK_SYNC: name === 'sink' ? 'fdatasync' : 'none' },
        port,
        endpointPath: '/files',
        readyLine: READY,
        uploadDir,
      });
    case 'tusd': {
      // Started as its peers' README says stock tusd is: file store, no flushes, nothing printed at start-up.
      const binary = process.env.TUSD_BIN;
      if (!binary) throw new Error('tusd: set TUSD_BIN to the path of a tusd binary');
      return launch({
        name,
        command: path.resolve(binary),
        args: ['-host', '127.0.0.1', '-port', String(port), '-upload-dir', uploadDir, '-verbose=false', '-show-startup-logs=false'],
        env: {},
        port,
        endpointPath: '/files/',
        uploadDir,
      });
    }
  }
}

/** What the bench's own servers print once they listen. */
export const READY = '[bench-server] listening';

/** What a server's log keeps for failure messages: its last output (tusd logs every request). */
const LOG_TAIL_CHARS = 64 * 1024;

async function launch(spec: Launch): Promise<BenchServer> {
  const { port, readyLine } = spec;
  // Access control stays off: the bench measures the data path, not token checks.
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...spec.env };
  delete env.UPLOAD_TOKEN_SECRET;
  delete env.UPLOAD_EVENT_LOG;
  const child = spawn(spec.command ?? process.execPath, spec.args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const baseUrl = `http://127.0.0.1:${port}`;
  const endpoint = `${baseUrl}${spec.endpointPath}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${spec.name} did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`)),
      START_TIMEOUT_MS,
    );
    let started = false;
    const ready = () => {
      started = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve();
    };
    const onData = (data: Buffer) => {
      output = (output + data.toString()).slice(-LOG_TAIL_CHARS);
      if (readyLine && !started && output.includes(readyLine)) ready();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new Error(`${spec.name} exited (${code ?? signal}) before it was ready:\n${output}`));
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    if (!readyLine) answersTus(endpoint, () => child.exitCode === null && child.signalCode === null).then(ready, fail);
  });
  await expectTusServer(spec.name, endpoint);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name}: no pid`);
  return {
    name: spec.name,
    endpoint,
    baseUrl,
    pid,
    uploadDir: spec.uploadDir,
    log: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: () => stop(child),
  };
}

/** Asks OPTIONS until the server answers (a server that prints nothing once it listens), while `alive`. */
async function answersTus(endpoint: string, alive: () => boolean): Promise<void> {
  const started = Date.now();
  while (alive() && Date.now() - started < START_TIMEOUT_MS) {
    const answered = await options(endpoint, 1000).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function options(endpoint: string, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(endpoint, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`OPTIONS ${endpoint} got no answer`)));
    req.end();
  });
}

/** One OPTIONS, so a server that printed its line but does not answer tus fails before any measurement. */
async function expectTusServer(name: ServerName, endpoint: string): Promise<void> {
  const status = await options(endpoint, START_TIMEOUT_MS).catch((error: Error) => {
    throw new Error(`${name}: ${error.message}`);
  });
  if (status !== 200 && status !== 204) throw new Error(`${name}: OPTIONS ${endpoint} answered ${status}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM lets OURS exit by itself, which is when Node writes a --cpu-prof profile.
  child.kill('SIGTERM');
  const escalation = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(escalation);
}
