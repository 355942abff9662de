import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AppServer } from './app-server';
import type { ServerEvent } from './event-log';

/** The upload id at the end of an upload URL (`…/api/upload/<id>`). */
export function uploadIdOf(url: string): string {
  const segment = new URL(url).pathname.split('/').pop();
  if (!segment) throw new Error(`no upload id in ${url}`);
  return decodeURIComponent(segment);
}

/** Bytes of an upload's data file on the server's disk (read directly, so the upload's lock is untouched). */
export function storedBytes(app: AppServer, id: string): number {
  return fs.statSync(path.join(app.uploadDir, id)).size;
}

/**
 * Waits until an upload's data file on the server's disk holds `bytes` bytes
 * (or, with `atLeast`, that many or more: a client still sending passes by).
 * It watches the upload folder (inotify) instead of asking the server: a HEAD
 * would wait for the lock of the PATCH that is writing, and progress events
 * are throttled, so the last bytes before a stall may never be reported.
 */
export function waitForStoredBytes(app: AppServer, id: string, bytes: number, timeoutMs = 60_000, atLeast = false): Promise<void> {
  const file = path.join(app.uploadDir, id);
  const size = () => (fs.existsSync(file) ? fs.statSync(file).size : 0);
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(app.uploadDir, () => check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${bytes} bytes of ${id} on disk (${size()} there)`));
    }, timeoutMs);
    const check = () => {
      if (atLeast ? size() < bytes : size() !== bytes) return;
      watcher.close();
      clearTimeout(timer);
      resolve();
    };
    check();
  });
}

/** The `request` events the server logged, optionally only one method and/or one upload. */
export function requestsOf(app: Pick<AppServer, 'events'>, filter: { method?: string; id?: string | null } = {}): ServerEvent[] {
  return app.events
    .all()
    .filter(
      (event) =>
        event.type === 'request' &&
        (filter.method === undefined || event.method === filter.method) &&
        (filter.id === undefined || event.id === filter.id),
    );
}

/**
 * Waits until the server has answered `count` requests of a method for an
 * upload and returns the last of them. The server logs a request when it
 * has its answer, so for a PATCH this means its bytes are stored.
 */
export async function waitForRequests(
  app: Pick<AppServer, 'events'>,
  method: string,
  id: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ServerEvent> {
  await app.events.waitFor(() => requestsOf(app, { method, id }).length >= count, timeoutMs, `${count} ${method} request(s) for ${id}`);
  return requestsOf(app, { method, id })[count - 1];
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end with a time limit (a hung client must fail the
 * test, not the whole run); the child is killed by its own pid on timeout.
 */
export function runProcess(
  command: string,
  args: string[],
  {
    timeoutMs = 90_000,
    env = {},
    cwd,
  }: { timeoutMs?: number; /** Added to this process's environment. */ env?: Record<string, string>; cwd?: string } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Debian's Python, which has python3-tuspy (the pyenv python3 on PATH does not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const TUSPY_SCRIPT = path.resolve(__dirname, '..', 'clients', 'tuspy_upload.py');

/** What e2e/clients/tuspy_upload.py reports. */
export interface TuspyResult {
  url: string;
  /** True when tuspy found the URL in its storage and resumed. */
  resumed: boolean;
  /** The offset the run started from (the server's, asked with HEAD, when resuming). */
  started_at: number;
  offset: number;
  chunks: number;
}

export interface TuspyOptions {
  endpoint: string;
  file: string;
  chunkSize?: number;
  /** Send only this many chunks, then stop. */
  chunks?: number;
  /** tuspy FileStorage database: keeps the URL for a later run to resume. */
  storage?: string;
  metadata?: Record<string, string>;
  /** Send Upload-Checksum (sha1) with every PATCH: tuspy's upload_checksum=True. */
  checksum?: boolean;
  /** How many times tuspy retries a refused PATCH (HEAD for the offset, then the chunk again), without delay. */
  retries?: number;
}

/** Runs tuspy in its own process; a failed upload (a Python exception) fails the call with its output. */
export async function runTuspy(options: TuspyOptions): Promise<TuspyResult> {
  const args = [TUSPY_SCRIPT, '--endpoint', options.endpoint, '--file', options.file];
  if (options.chunkSize !== undefined) args.push('--chunk-size', String(options.chunkSize));
  if (options.chunks !== undefined) args.push('--chunks', String(options.chunks));
  if (options.storage !== undefined) args.push('--storage', options.storage);
  for (const [key, value] of Object.entries(options.metadata ?? {})) args.push('--metadata', `${key}=${value}`);
  if (options.checksum) args.push('--checksum');
  if (options.retries !== undefined) args.push('--retries', String(options.retries));
  const result = await runProcess(SYSTEM_PYTHON, args);
  if (result.code !== 0) throw new Error(`tuspy exited with ${result.code ?? result.signal}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as TuspyResult;
}
