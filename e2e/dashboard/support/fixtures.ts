import { test as base } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { randomFile } from '../../support/files';
import { PageNetwork } from './network';
import { TusTraffic } from './tus-traffic';

export interface SourceFiles {
  /** A file of random bytes, deleted after the test (they are many MiB each). */
  random(name: string, size: number): string;
}

/**
 * The page's tus traffic and network controls, ready before the test opens
 * anything, and source files that do not outlive the test. The traffic log is
 * attached to every test's report, so a failure shows what the browser sent
 * and what it was answered.
 */
export const test = base.extend<{ traffic: TusTraffic; network: PageNetwork; sources: SourceFiles }>({
  traffic: async ({ page }, provide, testInfo) => {
    const traffic = new TusTraffic(page);
    await provide(traffic);
    await testInfo.attach('tus-traffic', { body: traffic.describe() || '(none)', contentType: 'text/plain' });
    if (process.env.PRINT_TUS_TRAFFIC) console.log(`${testInfo.title}\n${traffic.describe()}`);
  },
  network: async ({ page }, provide) => {
    await provide(await PageNetwork.attach(page));
  },
  sources: async ({}, provide) => {
    const created: string[] = [];
    await provide({
      random(name, size) {
        const file = randomFile(name, size);
        created.push(file);
        return file;
      },
    });
    for (const file of created) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';
