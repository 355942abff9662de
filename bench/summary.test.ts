import { expect, test } from '@playwright/test';
import type { CellRecord } from './cell';
import { misses } from './report';
import { median, summarize } from './summary';
import type { ServerName } from './servers';
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
    peakAboveIdleMiB: 10,
    cpuSeconds: 1,
    cpuSecondsPerGB: 1,
    clientCpuSecondsPerGB: 1,
  }));
}

const row = (rows: ReturnType<typeof summarize>, scenario: string, server: ServerName) => {
  const found = rows.find((r) => r.scenario === scenario && r.server === server);
  if (!found) throw new Error(`no row ${scenario} ${server}`);
  return found;
};

test('medians, ratios against the baseline and the sink, and a verdict per target', () => {
  const rows = summarize([
    ...cells('single', 'ours', [1000, 800, 900]),
    ...cells('single', 'baseline', [220, 200, 210]),
    ...cells('single', 'sink', [1000, 1000, 1000]),
  ]);
  const ours = row(rows, 'single', 'ours');
  expect(ours).toMatchObject({ median: 900, min: 800, max: 1000, reps: 3, peakRssMiB: 112 });
  expect(ours.vsBaseline).toBeCloseTo(900 / 210);
  expect(ours.vsSink).toBeCloseTo(0.9);
  expect(ours.verdicts.map((v) => [v.target, v.pass])).toEqual([
    ['>= 4x baseline', true],
    ['>= 0.8x sink', true],
  ]);
  expect(row(rows, 'single', 'baseline').verdicts, 'targets apply to ours only').toEqual([]);
  expect(misses(rows)).toEqual([]);
});

test('a ratio below its target is a miss; a target whose reference was not measured is neither pass nor miss', () => {
  const rows = summarize([...cells('single', 'ours', [700]), ...cells('single', 'sink', [1000]), ...cells('dashboard', 'ours', [350])]);
  expect(row(rows, 'single', 'ours').verdicts.map((v) => v.pass)).toEqual([null, false]);
  const dashboard = row(rows, 'dashboard', 'ours').verdicts[0];
  expect(dashboard).toMatchObject({ target: '>= 0.7x ours single', actual: 0.5, pass: false });
  expect(misses(rows)).toEqual([
    'MISS single (ours): >= 0.8x sink, measured 0.70x',
    'MISS dashboard (ours): >= 0.7x ours single, measured 0.50x',
  ]);
});

test('memory is a ceiling in MiB above idle, with no ratio', () => {
  const rows = summarize([
    ...cells('memory 1 GiB', 'ours', [12, 40, 20], 'MiB above idle'),
    ...cells('memory 10 GiB', 'ours', [30], 'MiB above idle'),
  ]);
  expect(row(rows, 'memory 1 GiB', 'ours')).toMatchObject({
    median: 20,
    vsBaseline: null,
    vsSink: null,
    verdicts: [{ target: '<= 32 MiB', pass: true }],
  });
  expect(row(rows, 'memory 10 GiB', 'ours').verdicts[0].pass).toBe(true);
  expect(summarize(cells('memory 10 GiB', 'ours', [33], 'MiB above idle'))[0].verdicts[0].pass).toBe(false);
});

test('the median of an even count is the mean of the middle two', () => {
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([5])).toBe(5);
});

test('a missed target says how far its bounding server got in the same run, and whether the target was out of its reach', () => {
  const rows = summarize([
    ...cells('single', 'ours', [600]),
    ...cells('single', 'baseline', [200]),
    ...cells('single', 'sink-nosync', [700]),
    ...cells('tiny', 'ours', [150], 'uploads/s'),
    ...cells('tiny', 'baseline', [100], 'uploads/s'),
    ...cells('tiny', 'sink', [250], 'uploads/s'),
  ]);
  expect(row(rows, 'single', 'ours').verdicts[0].limit).toMatchObject({ server: 'sink-nosync', actual: 3.5, reachable: false });
  expect(row(rows, 'tiny', 'ours').verdicts[0].limit).toMatchObject({ server: 'sink', actual: 2.5, reachable: true });
  expect(misses(rows)).toEqual([
    'MISS single (ours): >= 4x baseline, measured 3.00x; out of reach here: sink-nosync (a bare Node server that stores without flushing) reached 3.50x',
    'MISS tiny (ours): >= 2x baseline, measured 1.50x; sink (a bare Node server that flushes before it answers, as ours does) reached 2.50x',
  ]);
});

test("tiny's CPU per upload is held to 1.5x the flushing sink's, from the medians of CPU per byte", () => {
  const withCpu = (records: CellRecord[], cpu: number[]) => records.map((cell, i) => ({ ...cell, cpuSecondsPerGB: cpu[i] }));
  const measure = (ours: number[]) =>
    row(
      summarize([
        ...withCpu(cells('tiny', 'ours', [900, 900, 900], 'uploads/s'), ours),
        ...cells('tiny', 'baseline', [400], 'uploads/s'),
        ...withCpu(cells('tiny', 'sink', [1000, 1000, 1000], 'uploads/s'), [700, 800, 900]),
      ]),
      'tiny',
      'ours',
    ).verdicts.find((v) => v.target.startsWith('CPU'));
  expect(measure([1000, 1100, 3000])).toMatchObject({ target: 'CPU <= 1.5x sink', actual: 1100 / 800, pass: true });
  expect(measure([1300, 1250, 900])).toMatchObject({ actual: 1250 / 800, pass: false });
});

test('each of ours is also compared with the bare server that keeps its promise: ours with sink, ours-os with sink-nosync', () => {
  const withCpu = (records: CellRecord[], cpu: number) => records.map((cell) => ({ ...cell, cpuSecondsPerGB: cpu }));
  const rows = summarize([
    ...withCpu(cells('single', 'ours', [900]), 2),
    ...withCpu(cells('single', 'ours-os', [1500]), 1.5),
    ...withCpu(cells('single', 'sink', [1000]), 1),
    ...withCpu(cells('single', 'sink-nosync', [2000]), 1.2),
  ]);
  expect(row(rows, 'single', 'ours')).toMatchObject({ vsSamePromise: 0.9, cpuVsSamePromise: 2 });
  expect(row(rows, 'single', 'ours-os')).toMatchObject({ vsSamePromise: 0.75, cpuVsSamePromise: 1.25 });
  expect(row(rows, 'single', 'sink')).toMatchObject({ vsSamePromise: null, cpuVsSamePromise: null });
});
