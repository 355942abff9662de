import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';

// The production server tunes Node for receiving uploads (tuneRuntimeForUploads): no source maps (they cost twice the
// CPU per byte received), and a heap growing factor V8 does not lower (its lowered factor cost as much again). Each is
// left alone where Node's own options set it.

const RUNTIME = JSON.stringify(path.join(__dirname, 'runtime.ts'));

/** Runs `script` in a fresh Node process under tsx (which turns source maps on); returns its output. */
function run(script: string, nodeOptions: string, args: string[] = []): string {
  return execFileSync(process.execPath, [...args, '--import', 'tsx', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
}

const sourceMapsAfterTuning = (nodeOptions: string) =>
  run(`require(${RUNTIME}).tuneRuntimeForUploads(); process.stdout.write(String(process.sourceMapsEnabled))`, nodeOptions).trim() ===
  'true';

/**
 * The growing factor V8 chose at its last full collection, in a process that keeps a live heap and then allocates
 * little between collections: what lowers V8's own factor.
 */
function growingFactor(tune: boolean, nodeArgs: string[] = []): number {
  const script = `
    ${tune ? `require(${RUNTIME}).tuneRuntimeForUploads();` : ''}
    const live = Array.from({ length: 2e5 }, (_, i) => ({ i, s: 'x' + i }));
    let n = 0;
    const tick = () => {
      const junk = Array.from({ length: 2000 }, (_, i) => ({ i }));
      globalThis.gc();
      if (++n < 15) setTimeout(tick, 20);
      else process.stdout.write(String(live.length + junk.length));
    };
    tick();`;
  const output = run(script, '', [...nodeArgs, '--expose-gc', '--trace-gc-verbose']);
  const factors = [...output.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d+)\)/g)].map((match) => Number(match[1]));
  expect(factors.length).toBeGreaterThan(5);
  return factors[factors.length - 1];
}

test('source maps, which tsx turns on, are off', () => {
  expect(run('process.stdout.write(String(process.sourceMapsEnabled))', '').trim(), 'tsx turns them on').toBe('true');
  expect(sourceMapsAfterTuning('')).toBe(false);
});

test('source maps stay on when NODE_OPTIONS asks for them', () => {
  expect(sourceMapsAfterTuning('--enable-source-maps')).toBe(true);
});

test("V8's heap growing factor stays at 4 where V8 would have lowered it", () => {
  expect(growingFactor(false), "V8's own choice").toBeLessThan(2);
  expect(growingFactor(true)).toBe(4);
});

test('the heap growing factor given on the command line is kept (NODE_OPTIONS cannot give it)', () => {
  expect(growingFactor(true, ['--heap-growing-percent=50'])).toBe(1.5);
});
