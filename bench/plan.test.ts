import { expect, test } from '@playwright/test';
import { serverOrder } from './plan';

test('each repetition starts one server later: no server always runs first or after the same one', () => {
  const servers = ['ours', 'ours-os', 'sink'];
  expect([0, 1, 2, 3].map((rep) => serverOrder(servers, rep))).toEqual([
    ['ours', 'ours-os', 'sink'],
    ['ours-os', 'sink', 'ours'],
    ['sink', 'ours', 'ours-os'],
    ['ours', 'ours-os', 'sink'],
  ]);
  expect(serverOrder([], 2)).toEqual([]);
});
