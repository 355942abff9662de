import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mainThreadProfile, topSelfTime } from './cpu-profile';

test('the main thread profile of a process is found by its pid, and its top self time is the function that burned the CPU', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cpu-prof-'));
  try {
    const script = 'function burnCpu() { let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i) % 1000003; return x; } burnCpu();';
    const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', script], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const file = mainThreadProfile(dir, child.pid ?? -1);
    expect(file, `a profile of pid ${child.pid} in ${fs.readdirSync(dir).join(', ')}`).toBeDefined();
    expect(mainThreadProfile(dir, (child.pid ?? 0) + 1), 'another pid has no profile here').toBeUndefined();
    const top = topSelfTime(file!, 5);
    expect(top[0].functionName).toBe('burnCpu');
    expect(top[0].share).toBeGreaterThan(0.3);
    expect(top.map((row) => row.functionName)).not.toContain('(idle)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
