import fs from 'node:fs';
import path from 'node:path';
import type { BenchServer, ServerName } from '../servers';
import { IncompleteUpload } from '../tus-client';

/** The sizes and counts a run uses (full or quick, or as the options set them). */
export interface Plan {
  /** single, chunked and the first memory size. */
  largeBytes: number;
  chunkBytes: number;
  concurrentUploads: number;
  concurrentBytes: number;
  tinyCount: number;
  tinyBytes: number;
  dashboardBytes: number;
  /** One memory scenario per size. */
  memoryBytes: number[];
}

/** What one cell measured, before the process statistics are added. */
export interface Measurement {
  /** In the workload's unit; a memory workload's value is computed from /proc by the cell runner. */
  value: number;
  /** Request-body bytes the server stored, for CPU seconds per GB. */
  bytes: number;
  seconds: number;
}

export type Unit = 'MB/s' | 'uploads/s' | 'MiB above idle';

export interface Workload {
  /** The table's first column, e.g. `single` or `memory 10 GiB`. */
  readonly scenario: string;
  readonly unit: Unit;
  /** Servers this workload runs against (the dashboard and memory only against OURS). */
  readonly servers: readonly ServerName[];
  /**
   * Run each cell on a server process started for it: its idle RSS is then the
   * server's own, not a heap that earlier cells grew (which would hide a peak).
   */
  readonly freshServer?: boolean;
  run(server: BenchServer, plan: Plan): Promise<Measurement>;
}

/** The workloads every server runs (tusd among them when TUSD_BIN is set). */
export const ALL_SERVERS: readonly ServerName[] = ['ours', 'ours-os', 'baseline', 'sink', 'sink-nosync', 'tusd'];

/** Decimal megabytes per second, as tusd's and the figures are given. */
export function megabytesPerSecond(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The stored data file must hold exactly the upload's bytes: a server that drops bytes cannot look fast. */
export function expectStored(server: BenchServer, url: string, size: number): void {
  const id = new URL(url).pathname.split('/').pop() ?? '';
  let stored: number;
  try {
    stored = storedSize(path.join(server.uploadDir, id));
  } catch {
    throw new IncompleteUpload(`${server.name}: no data file for upload ${url}`);
  }
  if (stored !== size) throw new IncompleteUpload(`${server.name}: upload ${url} stored ${stored} of ${size} bytes`);
}

/** Bytes of an upload's data file, or of the pieces a final upload's folder links (ours, for a final made of pieces). */
function storedSize(data: string): number {
  const stats = fs.statSync(data);
  if (!stats.isDirectory()) return stats.size;
  return fs.readdirSync(data).reduce((sum, piece) => sum + fs.statSync(path.join(data, piece)).size, 0);
}

/** The server's offset for the upload (HEAD) and the data file must both equal its size. */
export async function expectComplete(
  server: BenchServer,
  head: (url: string) => Promise<number>,
  url: string,
  size: number,
): Promise<void> {
  const offset = await head(url);
  if (offset !== size) throw new IncompleteUpload(`${server.name}: HEAD ${url} says offset ${offset}, expected ${size}`);
  expectStored(server, url, size);
}

export function formatBytes(bytes: number): string {
  for (const [unit, scale] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale} ${unit}`;
  }
  return `${bytes} B`;
}
