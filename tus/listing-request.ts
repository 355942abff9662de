import { decodeCursor, LISTING_SORTS, type ListingCursor, type ListingFilter, type ListingSort } from './catalog-listing';
import { refuse } from './errors';

/** Uploads per answer when the client names no limit, and the most it may ask for. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface ListingRequest {
  filter: ListingFilter;
  limit: number;
  cursor: ListingCursor | null;
}

/**
 * `?limit=&cursor=&sort=&q=` of `GET /api/uploads`. A parameter that is
 * present but wrong is refused (400 ERR_INVALID_QUERY) rather than ignored,
 * so a client's mistake does not silently page through the wrong thing.
 */
export function parseListingRequest(params: URLSearchParams): ListingRequest {
  const sortParam = params.get('sort') ?? 'newest';
  if (!LISTING_SORTS.includes(sortParam as ListingSort)) {
    throw refuse.badListingQuery(`sort must be one of ${LISTING_SORTS.join(', ')} (got ${JSON.stringify(sortParam)})`);
  }
  const sort = sortParam as ListingSort;
  const limitParam = params.get('limit');
  const limit = limitParam === null ? DEFAULT_LIMIT : Number(limitParam);
  if (limitParam !== null && (!/^\d+$/.test(limitParam) || limit < 1 || limit > MAX_LIMIT)) {
    throw refuse.badListingQuery(`limit must be an integer from 1 to ${MAX_LIMIT} (got ${JSON.stringify(limitParam)})`);
  }
  const cursorParam = params.get('cursor');
  const cursor = cursorParam === null || cursorParam === '' ? null : decodeCursor(cursorParam, sort);
  return { filter: { sort, search: params.get('q') ?? '' }, limit, cursor };
}
