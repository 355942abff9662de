import fs from 'node:fs';
import path from 'node:path';
import type { CellRecord } from './cell';
import type { Spread, SummaryRecord } from './summary';
import type { Unit } from './workloads/workload';

/** Appends one JSON object per line as the run goes, so an interrupted run keeps what it measured. */
export class JsonLines {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
  }

  write(record: object): void {
    fs.appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }
}

function formatValue(value: number, unit: Unit): string {
  const digits = unit === 'MiB above idle' ? 1 : 0;
  return `${value.toFixed(digits)} ${unit === 'MiB above idle' ? 'MiB' : unit}`;
}

const ratio = (value: number | null) => (value === null ? '' : `${value.toFixed(2)}x`);

function verdict(row: SummaryRecord): string {
  if (row.verdicts.length === 0) return '';
  if (row.verdicts.some((v) => v.pass === false)) return 'MISS';
  if (row.verdicts.some((v) => v.pass === null)) return 'n/a';
  return 'PASS';
}

function targets(row: SummaryRecord): string {
  return row.verdicts
    .map((v) => {
      if (v.actual === null) return `${v.target} (not measured)`;
      return `${v.target}: ${v.target.startsWith('peak RSS') ? `${v.actual.toFixed(1)} MiB` : ratio(v.actual)}`;
    })
    .join('; ');
}

/** The human table, as Markdown so README can quote it as printed. */
export function formatTable(rows: SummaryRecord[]): string {
  const header = [
    'scenario',
    'server',
    'median',
    'min–max',
    'vs baseline',
    'vs sink',
    'vs same promise',
    'target',
    'result',
    'idle RSS',
    'peak RSS',
    'CPU s/GB',
    'CPU vs same promise',
  ];
  const body = rows.map((row) => [
    row.scenario,
    row.server,
    formatValue(row.median, row.unit),
    `${formatValue(row.min, row.unit).split(' ')[0]}–${formatValue(row.max, row.unit)}`,
    ratio(row.vsBaseline),
    ratio(row.vsSink),
    ratio(row.vsSamePromise),
    targets(row),
    verdict(row),
    `${row.idleRssMiB.toFixed(0)} MiB`,
    `${row.peakRssMiB.toFixed(0)} MiB`,
    row.medianCpuSecondsPerGB.toFixed(2),
    ratio(row.cpuVsSamePromise),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

export function formatCell(cell: CellRecord): string {
  return (
    `${cell.scenario} / ${cell.server} #${cell.rep + 1}: ${formatValue(cell.value, cell.unit)} ` +
    `(${cell.seconds.toFixed(2)} s, peak RSS ${cell.peakRssMiB.toFixed(0)} MiB, +${cell.peakAboveIdleMiB.toFixed(1)} over idle, ` +
    `CPU ${cell.cpuSecondsPerGB.toFixed(2)} s/GB (${(cell.mainThreadShare * 100).toFixed(0)}% main thread), client ${cell.clientCpuSecondsPerGB.toFixed(2)} s/GB` +
    ((cell.discardedMiB ?? 0) >= 1 ? `, disk TRIM ${cell.discardedMiB?.toFixed(0)} MiB during the cell` : '') +
    ')'
  );
}

/** `381 MB/s (324–1257, 3 runs)`: a median with the spread it came from. */
export function formatSpread(spread: Spread): string {
  const digits = spread.unit === 'MB/s' || spread.unit === 'uploads/s' ? 0 : spread.unit.startsWith('MiB') ? 1 : 2;
  const runs = `${spread.reps} run${spread.reps === 1 ? '' : 's'}`;
  return `${spread.median.toFixed(digits)} ${spread.unit} (${spread.min.toFixed(digits)}–${spread.max.toFixed(digits)}, ${runs})`;
}

/**
 * The targets missed, one line each, for the end of the run: the ratio or
 * value, then the measurements it came from with their spread: the row's own
 * and the one that bounds it in the same run (for memory, the idle RSS).
 */
export function misses(rows: SummaryRecord[]): string[] {
  return rows.flatMap((row) =>
    row.verdicts
      .filter((v) => v.pass === false)
      .map((v) => {
        const measured = v.target.startsWith('peak RSS') ? `${(v.actual ?? 0).toFixed(1)} MiB` : ratio(v.actual);
        const from = [v.measured, v.bound]
          .filter((spread) => spread !== undefined)
          .map((spread) => `${spread.server} ${spread.scenario} ${formatSpread(spread)}`);
        return `MISS ${row.scenario} (${row.server}): ${v.target}, measured ${measured}: ${from.join('; ')}`;
      }),
  );
}
