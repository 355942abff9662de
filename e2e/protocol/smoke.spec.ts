import { expect, test } from '@playwright/test';
import { AppServer } from '../support/app-server';
import { rawRequest } from '../support/http';

let app: AppServer;
test.beforeAll(async () => {
  app = await AppServer.start();
});
test.afterAll(async () => {
  await app?.dispose();
});

test('OPTIONS answers', async () => {
  const res = await rawRequest(app.endpoint, { method: 'OPTIONS' });
  expect(res.status).toBe(204);
  expect(res.headers['tus-version']).toBe('1.0.0');
});
