import type { CompletedUpload } from '@resumable-uploads/engine';
import { formatBytes, messages, type Language } from '../i18n';
import { CopyLinkButton } from './copy-link-button';
import { DeleteUploadButton } from './delete-upload-button';
import { fileKind, hasThumbnail, kindIcon } from './file-kind';

/**
 * One page of uploads. With `selectForm`, each row has a checkbox that
 * belongs to that form (bulk delete) and a Delete button; without, neither.
 * Every control is named after its file, so a screen reader's list of
 * controls tells them apart.
 */
export function UploadsTable({
  uploads,
  language,
  selectForm,
}: {
  uploads: CompletedUpload[];
  language: Language;
  selectForm: string | null;
}) {
  const t = messages(language);
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <table className="uploads" data-testid="uploads-table">
      <thead>
        <tr>
          {selectForm !== null && <th className="select">{t.columnSelect}</th>}
          <th>{t.columnName}</th>
          <th>{t.columnSize}</th>
          <th>{t.columnType}</th>
          <th>{t.columnDate}</th>
          <th>{t.columnActions}</th>
        </tr>
      </thead>
      <tbody>
        {uploads.map((upload) => {
          const kind = fileKind(upload.type, upload.name);
          return (
            <tr key={upload.id} data-upload-id={upload.id}>
              {selectForm !== null && (
                <td className="select">
                  <input type="checkbox" name="selected" value={upload.url} form={selectForm} aria-label={t.selectNamed(upload.name)} />
                </td>
              )}
              <td className="name">
                <div className="name-cell">
                  {/* The download URL serves images with nosniff and a sandboxing CSP; only raster types get here, never SVG or HTML. */}
                  {hasThumbnail(upload.type) && (
                    // next/image would fetch the file from the server without the visitor's cookie and re-encode untrusted bytes; the browser decodes it itself.
                    // eslint-disable-next-line @next/next/no-img-element
                    <img className="thumbnail" src={upload.url} alt="" width={40} height={40} loading="lazy" />
                  )}
                  <span>{upload.name}</span>
                </div>
              </td>
              <td title={`${upload.size} B`} data-label={t.columnSize}>
                {formatBytes(upload.size)}
              </td>
              <td className="type" data-label={t.columnType}>
                <span aria-hidden="true" className="kind-icon">
                  {kindIcon(kind)}
                </span>{' '}
                <span title={upload.type}>{t.kinds[kind]}</span>
              </td>
              <td data-label={t.columnDate}>
                <time dateTime={upload.completedAt}>{dateFormat.format(new Date(upload.completedAt))}</time>
              </td>
              <td className="actions">
                <a href={upload.url} download={upload.name} aria-label={t.downloadNamed(upload.name)}>
                  {t.download}
                </a>
                <CopyLinkButton url={upload.url} name={upload.name} language={language} />
                {selectForm !== null && <DeleteUploadButton url={upload.url} name={upload.name} language={language} />}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
