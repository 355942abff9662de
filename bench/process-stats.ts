import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export const MiB = 1024 * 1024;

/** A server process's memory and CPU, read from /proc (Linux only). */
export interface ProcessSample {
  /** Resident set size now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set size since the last resetPeak (VmHWM), bytes. */
  peakRss: number;
  /** User + system CPU time consumed so far, seconds. */
  cpuSeconds: number;
  /** The same for the main thread alone (JavaScript's event loop); the rest is libuv's pool, the GC's helpers, etc. */
  mainThreadCpuSeconds: number;
}

function statusField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]) * 1024;
}

export function sampleProcess(pid: number): ProcessSample {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rss: statusField(status, 'VmRSS'),
    peakRss: statusField(status, 'VmHWM'),
    cpuSeconds: cpuTicks(`/proc/${pid}/stat`) / CLOCK_TICKS,
    // A process's main thread is the task whose id is the process's.
    mainThreadCpuSeconds: cpuTicks(`/proc/${pid}/task/${pid}/stat`) / CLOCK_TICKS,
  };
}

/** utime + stime of a process or thread, in clock ticks. */
function cpuTicks(statPath: string): number {
  const stat = fs.readFileSync(statPath, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of proc(5); fields[0] is field 3.
  return Number(fields[11]) + Number(fields[12]);
}

/** Resets VmHWM to the current RSS (proc(5), clear_refs value 5), so a cell's peak is its own. */
export function resetPeak(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Bytes the disk holding `dir` has discarded (TRIM) since boot, from the block
 * layer's counters (/sys/dev/block/<major>:<minor>/stat, Linux 4.18 and
 * later); null where they cannot be read (no such device, as on tmpfs).
 */
export function discardedBytes(dir: string): number | null {
  try {
    const dev = fs.statSync(dir, { bigint: true }).dev;
    // The kernel's encoding of a device number (glibc's major() and minor()).
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    const fields = fs.readFileSync(`/sys/dev/block/${major}:${minor}/stat`, 'utf8').trim().split(/\s+/);
    // Field 14: sectors discarded, in units of 512 bytes.
    return fields.length >= 15 ? Number(fields[13]) * 512 : null;
  } catch {
    return null;
  }
}
