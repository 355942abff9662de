import fs from 'node:fs';
import { defineConfig, type PlaywrightTestOptions, type PlaywrightWorkerOptions } from '@playwright/test';

/**
 * Chromium comes from the system where Playwright cannot download its own
 * (Debian's package on CI). Set CHROMIUM_PATH to choose another; set it to an
 * empty string to use Playwright's bundled browser on a normal workstation.
 */
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => fs.existsSync(file));
const executablePath = process.env.CHROMIUM_PATH ?? systemChromium;

/** Chromium for the tests that drive the dashboard. */
const browser: Partial<PlaywrightTestOptions & PlaywrightWorkerOptions> = {
  browserName: 'chromium',
  trace: 'retain-on-failure',
  launchOptions: {
    executablePath: executablePath || undefined,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  },
};

export default defineConfig({
  timeout: 120_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  // On CI a hang fails the run here, naming the tests still running, well inside CI's own 90 minutes
  // (the whole suite takes about 12 minutes on the 2-core machine).
  globalTimeout: process.env.CI ? 50 * 60_000 : undefined,
  // Each test file starts its own server; two at a time fit two cores.
  workers: 2,
  reporter: [[process.env.CI ? 'line' : 'list'], ['./e2e/support/summary-reporter.ts']],
  projects: [
    { name: 'unit', testDir: '.', testMatch: ['tus/**/*.test.ts', 'app/**/*.test.ts'] },
    // The benchmark's own checks: its arithmetic, its profile reader, and that it refuses a server that loses bytes.
    { name: 'bench', testDir: 'bench', testMatch: '**/*.test.ts' },
    { name: 'protocol', testDir: 'e2e/protocol' },
    // The same protocol tests, a subset, against examples/minimal-next-app: the engine as another app mounts it.
    {
      name: 'example',
      testDir: 'e2e',
      testMatch: [
        'protocol/core.spec.ts',
        'protocol/creation.spec.ts',
        'protocol/termination.spec.ts',
        'protocol/checksum.spec.ts',
        'protocol/concatenation.spec.ts',
        'protocol/node-path.spec.ts',
        'clients/tus-js-client-resume.spec.ts',
        'clients/tus-js-client-parallel-resume.spec.ts',
        'example/*.spec.ts',
      ],
      // The example has no uploads list.
      grepInvert: /listed among the completed uploads/,
      metadata: { app: 'examples/minimal-next-app' },
    },
    { name: 'clients', testDir: 'e2e/clients' },
    // Against a real Ceph RADOS Gateway, one per worker (e2e/support/ceph.ts).
    { name: 's3', testDir: 'e2e/s3' },
    // Several app instances sharing Redis (and a folder); helper processes started by the tests.
    { name: 'scaleout', testDir: 'e2e/scaleout' },
    { name: 'dashboard', testDir: 'e2e/dashboard', use: browser },
    // The pictures in docs/screenshots/ (npm run screenshots): made by every run, so none can go stale unnoticed.
    { name: 'screenshots', testDir: 'e2e/screenshots', use: browser },
    // Two app instances behind nginx on Ceph RGW and Redis (scripts/cluster.sh), one cluster per file.
    { name: 'cluster', testDir: 'e2e/cluster', use: browser },
  ],
});
