import { expect, test } from '@playwright/test';
import { readOptions, type BenchOptions } from './options';
import { SAME_PROMISE } from './servers';

const servers = (argv: string[], env: Record<string, string | undefined>) => (readOptions(argv, env) as BenchOptions).servers;

test('tusd runs only when TUSD_BIN names its binary; without it nothing changes', () => {
  expect(servers([], {})).toEqual(['ours', 'ours-os', 'baseline', 'sink', 'sink-nosync']);
  expect(servers([], { TUSD_BIN: '/opt/tusd' })).toEqual(['ours', 'ours-os', 'baseline', 'sink', 'sink-nosync', 'tusd']);
  expect(servers(['--servers', 'tusd,sink-nosync'], { TUSD_BIN: '/opt/tusd' })).toEqual(['sink-nosync', 'tusd']);
  expect(() => readOptions(['--servers', 'tusd'], {})).toThrow('tusd runs only when TUSD_BIN names a tusd binary');
});

test('tusd keeps the os promise (it never flushes): its like-for-like ratio is against sink-nosync', () => {
  expect(SAME_PROMISE.tusd).toBe('sink-nosync');
});
