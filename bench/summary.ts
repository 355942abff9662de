import type { CellRecord } from './cell';
import { SAME_PROMISE, type ServerName } from './servers';
import { appliesTo, TARGETS } from './targets';
import type { Unit } from './workloads/workload';

/** One quantity over the repetitions of one scenario on one server. */
export interface Spread {
  scenario: string;
  server: ServerName;
  /** What was measured, in its unit: `MB/s`, `uploads/s`, `CPU s/GB`, `MiB above idle`, `MiB idle`. */
  unit: string;
  median: number;
  min: number;
  max: number;
  reps: number;
}

export interface Verdict {
  /** e.g. `>= 0.9x sink`, `CPU <= 1.25x sink`, `peak RSS <= 64 MiB above idle`. */
  target: string;
  /** The ratio or value compared; null when the reference was not measured. */
  actual: number | null;
  pass: boolean | null;
  /** What the target compared, with its spread: the row's own measurement and the one that bounds it in the same run. */
  measured: Spread;
  bound?: Spread;
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
  /** Against the bare server with the same promise (ours: sink; ours-os and tusd: sink-nosync), throughput and CPU per byte. */
  vsSamePromise: number | null;
  cpuVsSamePromise: number | null;
  verdicts: Verdict[];
  /** Median of the RSS read just before each cell, MiB. */
  idleRssMiB: number;
  /** Highest peak RSS of its cells, MiB. */
  peakRssMiB: number;
  /** Median of the cells' peak RSS above their idle RSS, MiB. */
  peakAboveIdleMiB: number;
  medianCpuSecondsPerGB: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const QUANTITIES = {
  value: (cell: CellRecord) => cell.value,
  cpu: (cell: CellRecord) => cell.cpuSecondsPerGB,
  aboveIdle: (cell: CellRecord) => cell.peakAboveIdleMiB,
  idle: (cell: CellRecord) => cell.idleRssMiB,
};
type Quantity = keyof typeof QUANTITIES;

function spread(group: CellRecord[], quantity: Quantity): Spread {
  const values = group.map(QUANTITIES[quantity]);
  const { scenario, server, unit } = group[0];
  const units: Record<Quantity, string> = { value: unit, cpu: 'CPU s/GB', aboveIdle: 'MiB above idle', idle: 'MiB idle' };
  return {
    scenario,
    server,
    unit: units[quantity],
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    reps: values.length,
  };
}

export function summarize(cells: CellRecord[]): SummaryRecord[] {
  const groups = new Map<string, CellRecord[]>();
  for (const cell of cells) {
    const key = `${cell.scenario}\u0000${cell.server}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  const of = (scenario: string, server: ServerName | undefined, quantity: Quantity): Spread | undefined => {
    const group = server && groups.get(`${scenario}\u0000${server}`);
    return group ? spread(group, quantity) : undefined;
  };
  const ratio = (value: number, reference: Spread | undefined) => (reference?.median ? value / reference.median : null);

  return [...groups.values()].map((group) => {
    const { scenario, server, unit } = group[0];
    const value = spread(group, 'value');
    const cpu = spread(group, 'cpu');
    const throughput = unit !== 'MiB above idle';
    const verdicts: Verdict[] = [];
    for (const target of TARGETS) {
      if (target.server !== server || !appliesTo(target.scenario, scenario)) continue;
      if ('atLeast' in target) {
        const bound = of(target.against.scenario, target.against.server, 'value');
        const actual = ratio(value.median, bound);
        const reference =
          target.against.scenario === scenario ? target.against.server : `${target.against.server} ${target.against.scenario}`;
        const pass = actual === null ? null : actual >= target.atLeast;
        verdicts.push({ target: `>= ${target.atLeast}x ${reference}`, actual, pass, measured: value, bound });
      } else if ('cpuAtMost' in target) {
        const bound = of(scenario, target.cpuOf, 'cpu');
        const actual = ratio(cpu.median, bound);
        const pass = actual === null ? null : actual <= target.cpuAtMost;
        verdicts.push({ target: `CPU <= ${target.cpuAtMost}x ${target.cpuOf}`, actual, pass, measured: cpu, bound });
      } else {
        const above = spread(group, 'aboveIdle');
        verdicts.push({
          target: `peak RSS <= ${target.rssAboveIdleAtMost} MiB above idle`,
          actual: above.median,
          pass: above.median <= target.rssAboveIdleAtMost,
          measured: above,
          bound: spread(group, 'idle'),
        });
      }
    }
    const samePromise = SAME_PROMISE[server];
    return {
      type: 'summary',
      scenario,
      server,
      unit,
      reps: group.length,
      median: value.median,
      min: value.min,
      max: value.max,
      vsBaseline: throughput && server !== 'baseline' ? ratio(value.median, of(scenario, 'baseline', 'value')) : null,
      vsSink: throughput && server !== 'sink' ? ratio(value.median, of(scenario, 'sink', 'value')) : null,
      vsSamePromise: throughput && samePromise ? ratio(value.median, of(scenario, samePromise, 'value')) : null,
      cpuVsSamePromise: throughput && samePromise ? ratio(cpu.median, of(scenario, samePromise, 'cpu')) : null,
      verdicts,
      idleRssMiB: median(group.map(QUANTITIES.idle)),
      peakRssMiB: Math.max(...group.map((cell) => cell.peakRssMiB)),
      peakAboveIdleMiB: median(group.map(QUANTITIES.aboveIdle)),
      medianCpuSecondsPerGB: cpu.median,
    };
  });
}
