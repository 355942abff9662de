import { cookies } from 'next/headers';
import { applyFilter, totalOf, UPLOAD_TOKEN_COOKIE, uploadEngine } from '@resumable-uploads/engine';
import { formatBytes, messages } from '../i18n';
import { currentLanguage } from '../language';
import { DeleteSelectedForm } from './delete-selected-button';
import { ListingControls } from './listing-controls';
import { PAGE_SIZE, parsePageQuery, type PageSearchParams } from './page-query';
import { Pagination } from './pagination';
import { UploadsTable } from './uploads-table';

export const dynamic = 'force-dynamic';

const DELETE_FORM = 'delete-selected';

export default async function UploadsPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const language = await currentLanguage();
  const t = messages(language);
  const query = parsePageQuery(await searchParams);
  const { catalog, access, settings } = uploadEngine();
  // With access control on, a visitor sees only their own uploads (the upload_token cookie the dashboard's session set); without one, none.
  const owner = access.subjectOfToken((await cookies()).get(UPLOAD_TOKEN_COOKIE)?.value);
  const all = access.enabled && owner === null ? [] : await catalog.list({ owner: owner ?? undefined });
  const matched = applyFilter(all, query.filter);
  const total = totalOf(matched);
  const pages = Math.max(1, Math.ceil(matched.length / PAGE_SIZE));
  const page = Math.min(query.page, pages);
  const shown = matched.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  // With UPLOAD_DELETE_FINISHED=deny the server refuses (403) to delete a completed upload: offer no control that would fail.
  const { deleteFinished } = settings;
  return (
    <section>
      <h1>{t.uploadsTitle}</h1>
      {all.length === 0 ? (
        <p data-testid="uploads-empty">{t.uploadsEmpty}</p>
      ) : (
        <>
          <ListingControls filter={query.filter} language={language} />
          <p className="uploads-summary" data-testid="uploads-summary">
            {t.summary(total.count, formatBytes(total.bytes))}
          </p>
          {matched.length === 0 ? (
            <p data-testid="uploads-no-matches">{t.noMatches}</p>
          ) : (
            <>
              {deleteFinished && <DeleteSelectedForm id={DELETE_FORM} language={language} />}
              <UploadsTable uploads={shown} language={language} selectForm={deleteFinished ? DELETE_FORM : null} />
              <Pagination query={{ filter: query.filter, page }} pages={pages} language={language} />
            </>
          )}
        </>
      )}
    </section>
  );
}
