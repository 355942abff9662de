import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@playwright/test';

// The production server turns source maps off (they cost twice the CPU per byte received), unless NODE_OPTIONS asks for them.

/** Whether source maps are on in a fresh Node process under tsx (which turns them on) after withoutSourceMaps(). */
function sourceMapsAfterCall(nodeOptions: string): boolean {
  const script = `require(${JSON.stringify(path.join(__dirname, 'runtime.ts'))}).withoutSourceMaps(); process.stdout.write(String(process.sourceMapsEnabled))`;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  return output.trim() === 'true';
}

test('withoutSourceMaps turns off the source maps tsx turned on', () => {
  const before = execFileSync(process.execPath, ['--import', 'tsx', '-e', 'process.stdout.write(String(process.sourceMapsEnabled))'], {
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  expect(before.trim(), 'tsx turns them on').toBe('true');
  expect(sourceMapsAfterCall('')).toBe(false);
});

test('withoutSourceMaps leaves them on when NODE_OPTIONS asks for them', () => {
  expect(sourceMapsAfterCall('--enable-source-maps')).toBe(true);
});
