import type { CellRecord } from './cell';
import { SAME_PROMISE, type ServerName } from './servers';
import { TARGETS } from './targets';
import type { Unit } from './workloads/workload';

export interface Verdict {
  /** e.g. `>= 4x baseline single`. */
  target: string;
  /** The ratio or value compared; null when the reference was not measured. */
  actual: number | null;
  pass: boolean | null;
  /** The same ratio for the server that bounds it (targets.ts), when that server ran this scenario. */
  limit?: { server: ServerName; what: string; actual: number; reachable: boolean };
}

/** One row of the table: every repetition of one scenario on one server. */
export interface SummaryRecord {
  type: 'summary';
  scenario: string;
  server: ServerName;
  unit: Unit;
  reps: number;
  median: number;
  min: number;
  max: number;
  vsBaseline: number | null;
  vsSink: number | null;
  /** Against the bare server with the same promise (ours: sink; ours-os: sink-nosync), throughput and CPU per byte. */
  vsSamePromise: number | null;
  cpuVsSamePromise: number | null;
  verdicts: Verdict[];
  /** Highest peak RSS of its cells, MiB. */
  peakRssMiB: number;
  medianCpuSecondsPerGB: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function summarize(cells: CellRecord[]): SummaryRecord[] {
  const groups = new Map<string, CellRecord[]>();
  for (const cell of cells) {
    const key = `${cell.scenario}\u0000${cell.server}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const medians = new Map([...groups].map(([key, group]) => [key, median(group.map((cell) => cell.value))]));
  const medianOf = (scenario: string, server: ServerName) => medians.get(`${scenario}\u0000${server}`);
  const cpuOf = (scenario: string, server: ServerName) => {
    const group = groups.get(`${scenario}\u0000${server}`);
    return group && median(group.map((cell) => cell.cpuSecondsPerGB));
  };
  const ratio = (value: number, reference: number | undefined) => (reference ? value / reference : null);

  return [...groups.values()].map((group) => {
    const { scenario, server, unit } = group[0];
    const values = group.map((cell) => cell.value);
    const value = median(values);
    const throughput = unit !== 'MiB above idle';
    const verdicts: Verdict[] = [];
    if (server === 'ours') {
      for (const target of TARGETS) {
        if ('against' in target && target.scenario === scenario) {
          const actual = ratio(value, medianOf(target.against.scenario, target.against.server));
          const reference =
            target.against.scenario === scenario ? target.against.server : `${target.against.server} ${target.against.scenario}`;
          const verdict: Verdict = {
            target: `>= ${target.atLeast}x ${reference}`,
            actual,
            pass: actual === null ? null : actual >= target.atLeast,
          };
          const bound = target.limit && medianOf(scenario, target.limit.server);
          const limitActual = bound === undefined ? null : ratio(bound, medianOf(target.against.scenario, target.against.server));
          if (target.limit && limitActual !== null)
            verdict.limit = { ...target.limit, actual: limitActual, reachable: limitActual >= target.atLeast };
          verdicts.push(verdict);
        }
        if ('cpuAtMost' in target && target.scenario === scenario) {
          const actual = ratio(median(group.map((cell) => cell.cpuSecondsPerGB)), cpuOf(scenario, target.cpuOf));
          verdicts.push({
            target: `CPU <= ${target.cpuAtMost}x ${target.cpuOf}`,
            actual,
            pass: actual === null ? null : actual <= target.cpuAtMost,
          });
        }
        if ('scenarioPrefix' in target && scenario.startsWith(target.scenarioPrefix)) {
          verdicts.push({ target: `<= ${target.atMost} MiB`, actual: value, pass: value <= target.atMost });
        }
      }
    }
    return {
      type: 'summary',
      scenario,
      server,
      unit,
      reps: group.length,
      median: value,
      min: Math.min(...values),
      max: Math.max(...values),
      vsBaseline: throughput && server !== 'baseline' ? ratio(value, medianOf(scenario, 'baseline')) : null,
      vsSink: throughput && server !== 'sink' ? ratio(value, medianOf(scenario, 'sink')) : null,
      vsSamePromise: throughput && SAME_PROMISE[server] ? ratio(value, medianOf(scenario, SAME_PROMISE[server])) : null,
      cpuVsSamePromise:
        throughput && SAME_PROMISE[server]
          ? ratio(median(group.map((cell) => cell.cpuSecondsPerGB)), cpuOf(scenario, SAME_PROMISE[server]))
          : null,
      verdicts,
      peakRssMiB: Math.max(...group.map((cell) => cell.peakRssMiB)),
      medianCpuSecondsPerGB: median(group.map((cell) => cell.cpuSecondsPerGB)),
    };
  });
}
