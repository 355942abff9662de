import { LISTING_SORTS, type ListingFilter, type ListingSort } from '@resumable-uploads/engine';

/** Uploads per page of /uploads. */
export const PAGE_SIZE = 50;

export type PageSearchParams = Record<string, string | string[] | undefined>;

export interface PageQuery {
  filter: ListingFilter;
  /** 1-based. */
  page: number;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `?page=&sort=&q=` of /uploads. Unlike the API, a page a person typed or
 * kept as a bookmark shows something sensible rather than an error: an
 * unknown sort is the default, a page out of range the nearest one.
 */
export function parsePageQuery(params: PageSearchParams): PageQuery {
  const sort = first(params.sort);
  const page = Number(first(params.page));
  return {
    filter: { sort: LISTING_SORTS.includes(sort as ListingSort) ? (sort as ListingSort) : 'newest', search: first(params.q)?.trim() ?? '' },
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
  };
}

/** The link to another page of the same listing; default values are left out so links stay short. */
export function pageHref({ filter, page }: PageQuery): string {
  const params = new URLSearchParams();
  if (filter.search !== '') params.set('q', filter.search);
  if (filter.sort !== 'newest') params.set('sort', filter.sort);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query === '' ? '/uploads' : `/uploads?${query}`;
}
