import type { CompletedUpload } from './catalog';
import { refuse } from './errors';

/** The orders a listing can be read in: newest completion first (the default), name A→Z, or largest first. */
export const LISTING_SORTS = ['newest', 'name', 'size'] as const;
export type ListingSort = (typeof LISTING_SORTS)[number];

/** What a listing shows: which uploads (search) and in which order. */
export interface ListingFilter {
  sort: ListingSort;
  /** Case-insensitive substring of the name; empty matches every upload. */
  search: string;
}

/** What the filter matches as a whole, not just one page of it. */
export interface ListingTotal {
  count: number;
  bytes: number;
}

/** Where a page starts: the sort key and id of the last item of the page before. */
export interface ListingCursor {
  sort: ListingSort;
  key: string | number;
  id: string;
}

export interface ListingPage {
  uploads: CompletedUpload[];
  /** Null on the last page. */
  nextCursor: string | null;
  total: ListingTotal;
}

// Names order as people read them ("file 9" before "file 10", case aside); ties fall to the code units, then the id, so the order is total.
const names = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Keyed = Pick<CompletedUpload, 'id' | 'name' | 'size' | 'completedAt'>;

const ORDERS: Record<ListingSort, (a: Keyed, b: Keyed) => number> = {
  newest: (a, b) => byCodeUnits(b.completedAt, a.completedAt) || byCodeUnits(a.id, b.id),
  name: (a, b) => names.compare(a.name, b.name) || byCodeUnits(a.name, b.name) || byCodeUnits(a.id, b.id),
  size: (a, b) => b.size - a.size || byCodeUnits(a.id, b.id),
};

/** The uploads the filter matches, in its order. */
export function applyFilter(uploads: readonly CompletedUpload[], { sort, search }: ListingFilter): CompletedUpload[] {
  const needle = search.toLowerCase();
  return uploads.filter((upload) => upload.name.toLowerCase().includes(needle)).sort(ORDERS[sort]);
}

export function totalOf(uploads: readonly CompletedUpload[]): ListingTotal {
  return { count: uploads.length, bytes: uploads.reduce((sum, upload) => sum + upload.size, 0) };
}

/**
 * One page after `cursor` (from the start without one). The cursor names a
 * position in the order, not an offset, so uploads added or deleted while a
 * client pages through neither repeat nor skip the others.
 */
export function pageAfter(
  matched: readonly CompletedUpload[],
  sort: ListingSort,
  cursor: ListingCursor | null,
  limit: number,
): ListingPage {
  const start = cursor === null ? 0 : firstAfter(matched, sort, cursor);
  const uploads = matched.slice(start, start + limit);
  const last = uploads.at(-1);
  const more = start + limit < matched.length;
  return { uploads, nextCursor: more && last ? encodeCursor(sort, last) : null, total: totalOf(matched) };
}

function firstAfter(matched: readonly CompletedUpload[], sort: ListingSort, cursor: ListingCursor): number {
  const position: Keyed = { id: cursor.id, name: String(cursor.key), size: Number(cursor.key), completedAt: String(cursor.key) };
  const index = matched.findIndex((upload) => ORDERS[sort](upload, position) > 0);
  return index === -1 ? matched.length : index;
}

function sortKey(sort: ListingSort, upload: CompletedUpload): string | number {
  return sort === 'size' ? upload.size : sort === 'name' ? upload.name : upload.completedAt;
}

export function encodeCursor(sort: ListingSort, upload: CompletedUpload): string {
  return Buffer.from(JSON.stringify([sort, sortKey(sort, upload), upload.id])).toString('base64url');
}

/** The cursor, or a 400 ERR_INVALID_QUERY when it does not parse or belongs to another order. */
export function decodeCursor(text: string, sort: ListingSort): ListingCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw refuse.badListingQuery('cursor is not one this server issued');
  const [cursorSort, key, id] = parsed as unknown[];
  if (cursorSort !== sort) throw refuse.badListingQuery(`cursor belongs to sort=${String(cursorSort)}, not sort=${sort}`);
  const keyFits = sort === 'size' ? typeof key === 'number' && Number.isSafeInteger(key) : typeof key === 'string';
  if (!keyFits || typeof id !== 'string') throw refuse.badListingQuery('cursor is not one this server issued');
  return { sort, key: key as string | number, id };
}
