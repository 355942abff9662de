import { expect, test } from '@playwright/test';
import type { CellRecord } from './cell';
import { formatCell, formatTable, misses } from './report';
import { median, summarize } from './summary';
import type { ServerName } from './servers';
import { TARGETS } from './targets';
import type { Unit } from './workloads/workload';

function cells(scenario: string, server: ServerName, values: number[], unit: Unit = 'MB/s'): CellRecord[] {
  return values.map((value, rep) => ({
    type: 'cell',
    scenario,
    server,
    rep,
    value,
    unit,
    seconds: 1,
    bytes: 1e9,
    idleRssMiB: 100,
    peakRssMiB: 110 + rep,
    peakAboveIdleMiB: unit === 'MiB above idle' ? value : 10,
    cpuSeconds: 1,
    cpuSecondsPerGB: 1,
    mainThreadShare: 0.8,
    clientCpuSecondsPerGB: 1,
    discardedMiB: 0,
  }));
}

/** The same cells with these CPU s/GB, one per cell. */
const withCpu = (records: CellRecord[], cpu: number[]) => records.map((cell, i) => ({ ...cell, cpuSecondsPerGB: cpu[i] }));
/** The same cells with these peaks above idle, one per cell. */
const withPeak = (records: CellRecord[], above: number[]) => records.map((cell, i) => ({ ...cell, peakAboveIdleMiB: above[i] }));

const row = (rows: ReturnType<typeof summarize>, scenario: string, server: ServerName) => {
  const found = rows.find((r) => r.scenario === scenario && r.server === server);
  if (!found) throw new Error(`no row ${scenario} ${server}`);
  return found;
};
const verdicts = (rows: ReturnType<typeof summarize>, scenario: string, server: ServerName) =>
  row(rows, scenario, server).verdicts.map((v) => [v.target, v.pass]);

test('medians, ratios against the baseline and the sink, and a verdict per target', () => {
  const rows = summarize([
    ...cells('single', 'ours', [1000, 800, 900]),
    ...cells('single', 'baseline', [220, 200, 210]),
    ...cells('single', 'sink', [1000, 1000, 1000]),
  ]);
  const ours = row(rows, 'single', 'ours');
  expect(ours).toMatchObject({ median: 900, min: 800, max: 1000, reps: 3, peakRssMiB: 112, idleRssMiB: 100 });
  expect(ours.vsBaseline).toBeCloseTo(900 / 210);
  expect(ours.vsSink).toBeCloseTo(0.9);
  expect(verdicts(rows, 'single', 'ours')).toEqual([
    ['>= 0.9x sink', true],
    ['CPU <= 1.25x sink', true],
  ]);
  expect(row(rows, 'single', 'baseline').verdicts, 'targets apply to ours and ours-os only').toEqual([]);
  expect(misses(rows)).toEqual([]);
});

test('a ratio below its target is a miss, printed with both measurements and their spread; an unmeasured reference is neither', () => {
  const rows = summarize([
    ...cells('single', 'ours', [700, 600, 800]),
    ...cells('single', 'sink', [1000, 900, 1100]),
    ...cells('dashboard', 'ours', [350]),
  ]);
  expect(verdicts(rows, 'single', 'ours')).toEqual([
    ['>= 0.9x sink', false],
    ['CPU <= 1.25x sink', true],
  ]);
  expect(verdicts(rows, 'dashboard', 'ours'), 'no sink-nosync dashboard in this run').toEqual([
    ['>= 0.8x sink-nosync', null],
    ['CPU <= 2x sink-nosync', null],
  ]);
  expect(misses(rows)).toEqual([
    'MISS single (ours): >= 0.9x sink, measured 0.70x: ours single 700 MB/s (600–800, 3 runs); sink single 1000 MB/s (900–1100, 3 runs)',
  ]);
});

test('each mode is held to the bare server with its promise: ours to sink, ours-os to sink-nosync; tusd is compared, not held', () => {
  const rows = summarize([
    ...withCpu(cells('single', 'ours', [900]), [2]),
    ...withCpu(cells('single', 'ours-os', [1500]), [1.5]),
    ...withCpu(cells('single', 'sink', [1000]), [1]),
    ...withCpu(cells('single', 'sink-nosync', [2000]), [1.2]),
    ...withCpu(cells('single', 'tusd', [1800]), [1]),
  ]);
  expect(row(rows, 'single', 'ours')).toMatchObject({ vsSamePromise: 0.9, cpuVsSamePromise: 2 });
  expect(row(rows, 'single', 'ours-os')).toMatchObject({ vsSamePromise: 0.75, cpuVsSamePromise: 1.25 });
  expect(row(rows, 'single', 'tusd')).toMatchObject({ vsSamePromise: 0.9, verdicts: [] });
  expect(row(rows, 'single', 'tusd').cpuVsSamePromise).toBeCloseTo(1 / 1.2);
  expect(row(rows, 'single', 'sink')).toMatchObject({ vsSamePromise: null, cpuVsSamePromise: null });
  expect(verdicts(rows, 'single', 'ours')).toEqual([
    ['>= 0.9x sink', true],
    ['CPU <= 1.25x sink', false],
  ]);
  expect(verdicts(rows, 'single', 'ours-os')).toEqual([
    ['>= 0.9x sink-nosync', false],
    ['CPU <= 1.25x sink-nosync', true],
  ]);
});

test('throughput and CPU are held like for like on single, chunked, concurrent and tiny, in both modes', () => {
  for (const scenario of ['single', 'chunked', 'concurrent', 'tiny']) {
    for (const [server, sink] of [
      ['ours', 'sink'],
      ['ours-os', 'sink-nosync'],
    ] as const) {
      const held = TARGETS.filter((t) => t.server === server && t.scenario === scenario);
      expect(held, `${scenario} ${server}`).toContainEqual({ server, scenario, atLeast: 0.9, against: { scenario, server: sink } });
      expect(held, `${scenario} ${server}`).toContainEqual({ server, scenario, cpuAtMost: 1.25, cpuOf: sink });
    }
  }
});

test("CPU is compared from the medians of CPU per byte: tiny's per upload at a fixed size", () => {
  const measure = (ours: number[]) =>
    row(
      summarize([
        ...withCpu(cells('tiny', 'ours', [900, 900, 900], 'uploads/s'), ours),
        ...withCpu(cells('tiny', 'sink', [1000, 1000, 1000], 'uploads/s'), [700, 800, 900]),
      ]),
      'tiny',
      'ours',
    ).verdicts.find((v) => v.target.startsWith('CPU'));
  expect(measure([1000, 950, 3000])).toMatchObject({ target: 'CPU <= 1.25x sink', actual: 1000 / 800, pass: true });
  expect(measure([1100, 1050, 900])).toMatchObject({ actual: 1050 / 800, pass: false });
});

test("checksummed is held to ours' own chunked in the same run", () => {
  const rows = summarize([...cells('chunked', 'ours', [500]), ...cells('checksummed', 'ours', [390])]);
  expect(verdicts(rows, 'checksummed', 'ours')).toEqual([['>= 0.8x ours chunked', false]]);
  expect(misses(rows)).toContain(
    'MISS checksummed (ours): >= 0.8x ours chunked, measured 0.78x: ours checksummed 390 MB/s (390–390, 1 run); ours chunked 500 MB/s (500–500, 1 run)',
  );
});

test('the dashboard is held to the same Chromium sending to sink-nosync: 0.8x its throughput, at most 2x its CPU per byte', () => {
  const rows = summarize([
    ...withCpu(cells('dashboard', 'ours', [330]), [3]),
    ...withCpu(cells('dashboard', 'sink', [300]), [1]),
    ...withCpu(cells('dashboard', 'sink-nosync', [400]), [1.6]),
  ]);
  expect(row(rows, 'dashboard', 'ours').verdicts).toMatchObject([
    { target: '>= 0.8x sink-nosync', actual: 330 / 400, pass: true },
    { target: 'CPU <= 2x sink-nosync', actual: 3 / 1.6, pass: true },
  ]);
  expect(verdicts(rows, 'dashboard', 'sink')).toEqual([]);
});

test('memory is a ceiling in MiB above idle: 32 for the memory cells, 64 during the concurrent uploads; a miss prints the idle RSS', () => {
  const rows = summarize([
    ...cells('memory 1 GiB', 'ours', [12, 40, 20], 'MiB above idle'),
    ...cells('memory 10 GiB', 'ours', [33], 'MiB above idle'),
    ...withPeak(cells('concurrent', 'ours', [600, 600, 600]), [70, 50, 60]),
    ...withPeak(cells('concurrent', 'ours-os', [600]), [200]),
  ]);
  expect(row(rows, 'memory 1 GiB', 'ours')).toMatchObject({
    median: 20,
    vsBaseline: null,
    vsSink: null,
    verdicts: [{ target: 'peak RSS <= 32 MiB above idle', actual: 20, pass: true }],
  });
  expect(row(rows, 'concurrent', 'ours').verdicts.find((v) => v.target.startsWith('peak RSS'))).toMatchObject({
    target: 'peak RSS <= 64 MiB above idle',
    actual: 60,
    pass: true,
  });
  expect(row(rows, 'concurrent', 'ours').peakAboveIdleMiB).toBe(60);
  expect(misses(rows)).toEqual([
    'MISS memory 10 GiB (ours): peak RSS <= 32 MiB above idle, measured 33.0 MiB: ' +
      'ours memory 10 GiB 33.0 MiB above idle (33.0–33.0, 1 run); ours memory 10 GiB 100.0 MiB idle (100.0–100.0, 1 run)',
  ]);
});

test('the table gives the idle RSS of every row, and the peak above idle that a memory target compared', () => {
  const table = formatTable(
    summarize([...withPeak(cells('concurrent', 'ours', [900]), [70.04]), ...cells('concurrent', 'sink', [1000])]),
  ).split('\n');
  const header = table[0].split('|').map((cell) => cell.trim());
  const ours = table[2].split('|').map((cell) => cell.trim());
  expect(ours[header.indexOf('idle RSS')]).toBe('100 MiB');
  expect(ours[header.indexOf('target')]).toBe('>= 0.9x sink: 0.90x; CPU <= 1.25x sink: 1.00x; peak RSS <= 64 MiB above idle: 70.0 MiB');
  expect(ours[header.indexOf('result')]).toBe('MISS');
});

test("a cell's line says how much the disk trimmed during it, when it did", () => {
  const [cell] = cells('tiny', 'sink', [500], 'uploads/s');
  expect(formatCell(cell)).not.toContain('TRIM');
  expect(formatCell({ ...cell, discardedMiB: 1024 })).toMatch(/, disk TRIM 1024 MiB during the cell\)$/);
  expect(formatCell({ ...cell, discardedMiB: null })).not.toContain('TRIM');
});

test('the median of an even count is the mean of the middle two', () => {
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([5])).toBe(5);
});
