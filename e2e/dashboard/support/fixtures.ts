import { test as base } from '@playwright/test';
import { PageNetwork } from './network';
import { TusTraffic } from './tus-traffic';

/**
 * The page's tus traffic and network controls, ready before the test opens
 * anything. The traffic log is attached to every test's report, so a
 * failure shows what the browser sent and what it was answered.
 */
export const test = base.extend<{ traffic: TusTraffic; network: PageNetwork }>({
  traffic: async ({ page }, provide, testInfo) => {
    const traffic = new TusTraffic(page);
    await provide(traffic);
    await testInfo.attach('tus-traffic', { body: traffic.describe() || '(none)', contentType: 'text/plain' });
    if (process.env.PRINT_TUS_TRAFFIC) console.log(`${testInfo.title}\n${traffic.describe()}`);
  },
  network: async ({ page }, provide) => {
    await provide(await PageNetwork.attach(page));
  },
});

export { expect } from '@playwright/test';
