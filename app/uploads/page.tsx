import { cookies } from 'next/headers';
import { UPLOAD_TOKEN_COOKIE } from '@/tus/access';
import { listCompletedUploads } from '@/tus/catalog';
import { config } from '@/tus/config';
import { uploadEngine } from '@/tus/server';
import { UPLOAD_ROUTE } from '@/tus/upload-url';
import { formatBytes, messages } from '../i18n';
import { currentLanguage } from '../language';
import { DeleteUploadButton } from './delete-upload-button';

export const dynamic = 'force-dynamic';

export default async function UploadsPage() {
  const language = await currentLanguage();
  const t = messages(language);
  const { store, access } = uploadEngine();
  // With access control on, a visitor sees only their own uploads (the upload_token cookie the dashboard's session set); without one, none.
  const owner = access.subjectOfToken((await cookies()).get(UPLOAD_TOKEN_COOKIE)?.value);
  const uploads = access.enabled && owner === null ? [] : await listCompletedUploads(store, UPLOAD_ROUTE, { owner: owner ?? undefined });
  // With UPLOAD_DELETE_FINISHED=deny the server refuses (403) to delete a completed upload: offer no button that would fail.
  const { deleteFinished } = config();
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <section>
      <h1>{t.uploadsTitle}</h1>
      {uploads.length === 0 ? (
        <p data-testid="uploads-empty">{t.uploadsEmpty}</p>
      ) : (
        <table className="uploads" data-testid="uploads-table">
          <thead>
            <tr>
              <th>{t.columnName}</th>
              <th>{t.columnSize}</th>
              <th>{t.columnType}</th>
              <th>{t.columnDate}</th>
              <th>{t.columnActions}</th>
            </tr>
          </thead>
          <tbody>
            {uploads.map((upload) => (
              <tr key={upload.id} data-upload-id={upload.id}>
                <td className="name">{upload.name}</td>
                <td title={`${upload.size} B`} data-label={t.columnSize}>
                  {formatBytes(upload.size)}
                </td>
                <td data-label={t.columnType}>{upload.type}</td>
                <td data-label={t.columnDate}>
                  <time dateTime={upload.completedAt}>{dateFormat.format(new Date(upload.completedAt))}</time>
                </td>
                <td className="actions">
                  <a href={upload.url} download={upload.name}>
                    {t.download}
                  </a>
                  {deleteFinished && <DeleteUploadButton url={upload.url} name={upload.name} language={language} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
