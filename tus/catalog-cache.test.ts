import { expect, test } from '@playwright/test';
import type { CatalogEntry } from './catalog';
import { CatalogCache } from './catalog-cache';

// The cache keeps the catalog's order (newest completion first, then id) as uploads finish and go, without reading it all again.

function entry(id: string, completedAt: string): CatalogEntry {
  return { owner: undefined, upload: { id, name: id, size: 1, type: 'text/plain', completedAt, url: `/api/upload/${id}` } };
}

test('uploads that finish or go are put in their place, the order the same as a full read', async () => {
  const store = new Map<string, CatalogEntry>();
  const put = (id: string, at: string) => store.set(id, entry(id, at));
  put('m', '2026-01-02T00:00:00Z');
  put('c', '2026-01-04T00:00:00Z');
  const fullRead = async () =>
    [...store.values()].sort(
      (a, b) => Date.parse(b.upload.completedAt) - Date.parse(a.upload.completedAt) || a.upload.id.localeCompare(b.upload.id),
    );
  let fullReads = 0;
  const cache = new CatalogCache(
    () => {
      fullReads += 1;
      return fullRead();
    },
    async (id) => store.get(id) ?? null,
    true,
  );
  expect((await cache.list()).map((u) => u.id)).toEqual(['c', 'm']);
  for (const [id, at] of [
    ['z', '2026-01-03T00:00:00Z'],
    ['a', '2026-01-03T00:00:00Z'],
    ['old', '2025-12-31T00:00:00Z'],
    ['new', '2026-02-01T00:00:00Z'],
  ] as const) {
    put(id, at);
    cache.refresh(id);
  }
  store.delete('m');
  cache.refresh('m');
  expect((await cache.list()).map((u) => u.id)).toEqual((await fullRead()).map((e) => e.upload.id));
  expect((await cache.list()).map((u) => u.id)).toEqual(['new', 'c', 'a', 'z', 'old']);
  expect(fullReads).toBe(1);
});
