import fs from 'node:fs';
import path from 'node:path';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  functionName: string;
  url: string;
  ms: number;
  share: number;
}

/** Self time per function (name + script), largest first: where the profiled process spent its CPU. */
export function topSelfTime(file: string, count = 20): SelfTime[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, SelfTime>();
  let all = 0;
  profile.samples.forEach((nodeId, i) => {
    // timeDeltas[i] is the time since the previous sample, spent where this sample landed.
    const us = profile.timeDeltas[i] ?? 0;
    const frame = frameOf.get(nodeId);
    // Time waiting for events is not CPU: leave it out of the shares.
    if (!frame || frame.functionName === '(idle)') return;
    const functionName = frame.functionName || '(anonymous)';
    const key = `${functionName}\u0000${frame.url}`;
    const entry = totals.get(key) ?? { functionName, url: frame.url, ms: 0, share: 0 };
    entry.ms += us / 1000;
    totals.set(key, entry);
    all += us / 1000;
  });
  return [...totals.values()]
    .map((entry) => ({ ...entry, share: all > 0 ? entry.ms / all : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
}

/**
 * The main thread's profile of process `pid` in `dir`. Node names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the one that
 * serves requests (tsx's loader hooks run in thread 1 and write their own).
 */
export function mainThreadProfile(dir: string, pid: number): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const name = fs.readdirSync(dir).find((file) => new RegExp(`^CPU\\.\\d+\\.\\d+\\.${pid}\\.0\\.\\d+\\.cpuprofile$`).test(file));
  return name === undefined ? undefined : path.join(dir, name);
}

export function formatSelfTime(rows: SelfTime[]): string {
  return rows
    .map(
      (row) =>
        `${row.ms.toFixed(0).padStart(8)} ms ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.functionName}  ${row.url || '(native)'}`,
    )
    .join('\n');
}
