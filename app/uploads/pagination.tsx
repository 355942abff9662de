import { messages, type Language } from '../i18n';
import { pageHref, type PageQuery } from './page-query';

/** Previous / next links between pages of the listing, keeping its search and order. */
export function Pagination({ query, pages, language }: { query: PageQuery; pages: number; language: Language }) {
  if (pages <= 1) return null;
  const t = messages(language);
  const { page } = query;
  return (
    <nav aria-label={t.pages} className="pagination" data-testid="pagination">
      {page > 1 ? (
        <a href={pageHref({ ...query, page: page - 1 })} rel="prev">
          {t.previousPage}
        </a>
      ) : (
        <span aria-hidden="true">{t.previousPage}</span>
      )}
      <span aria-current="page">{t.pageOf(page, pages)}</span>
      {page < pages ? (
        <a href={pageHref({ ...query, page: page + 1 })} rel="next">
          {t.nextPage}
        </a>
      ) : (
        <span aria-hidden="true">{t.nextPage}</span>
      )}
    </nav>
  );
}
