import { test as base } from '@playwright/test';
import { AppServer } from '../support/app-server';

/**
 * One production server per test file (worker-scoped), shared by its tests:
 * protocol tests only create their own uploads, so they cannot disturb each
 * other.
 */
export const test = base.extend<object, { app: AppServer }>({
  app: [
    async ({}, use) => {
      const app = await AppServer.start();
      await use(app);
      await app.dispose();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
