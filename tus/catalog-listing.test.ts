import { expect, test } from '@playwright/test';
import type { CompletedUpload } from './catalog';
import { applyFilter, LISTING_SORTS, pageAfter, type ListingCursor, type ListingSort } from './catalog-listing';
import { parseListingRequest } from './listing-request';

// Cursor paging in every order, while uploads come and go between pages:
// each upload present from the first page to the last is listed exactly once,
// and none twice. Ties in the sort key (same size, same name, same second)
// are the hard case, so the keys here repeat a lot.

function upload(n: number): CompletedUpload {
  return {
    id: `id-${String(n).padStart(4, '0')}`,
    name: `file ${n % 7}.txt`,
    size: n % 5,
    type: 'text/plain',
    completedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 9)).toISOString(),
    url: `/api/upload/id-${n}`,
  };
}

/** A small deterministic generator, so a failure repeats. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

for (const sort of LISTING_SORTS)
  test(`paging by ${sort} with changes between pages lists what stayed exactly once`, () => {
    const random = lcg(LISTING_SORTS.indexOf(sort) + 1);
    let uploads = Array.from({ length: 200 }, (_, n) => upload(n));
    let added = 200;
    const listed: string[] = [];
    const deleted = new Set<string>();
    let cursor: ReturnType<typeof pageAfter>['nextCursor'] = null;
    let decoded: ListingCursor | null = null;
    do {
      const page = pageAfter(applyFilter(uploads, { sort, search: '' }), sort, decoded, 17);
      listed.push(...page.uploads.map((u) => u.id));
      cursor = page.nextCursor;
      decoded = cursor === null ? null : parseListingRequest(new URLSearchParams({ sort, cursor })).cursor;
      // Between pages: three uploads deleted, two added, at random places in the order.
      for (let i = 0; i < 3; i++) {
        const victim = uploads[Math.floor(random() * uploads.length)];
        deleted.add(victim.id);
        uploads = uploads.filter((u) => u !== victim);
      }
      uploads.push(upload(added++), upload(added++));
    } while (cursor !== null);
    expect(new Set(listed).size, 'no upload twice').toBe(listed.length);
    const stayed = Array.from({ length: 200 }, (_, n) => upload(n).id).filter((id) => !deleted.has(id));
    for (const id of stayed) expect(listed, `${id} was there all along`).toContain(id);
  });

test('a search is a case-insensitive part of the name; the total covers every match', () => {
  const uploads = [upload(1), upload(8), upload(2), { ...upload(3), name: 'FILE 1.TXT' }];
  const page = pageAfter(applyFilter(uploads, { sort: 'size' as ListingSort, search: 'File 1' }), 'size', null, 1);
  expect(page.uploads.map((u) => u.name)).toEqual(['FILE 1.TXT']);
  expect(page.total).toEqual({ count: 3, bytes: 3 + 3 + 1 });
  expect(page.nextCursor).not.toBeNull();
});
