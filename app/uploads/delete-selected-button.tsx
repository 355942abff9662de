'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { messages, type Language } from '../i18n';
import { deleteUploads } from './delete-uploads';

/**
 * The form the rows' checkboxes belong to (their `form` attribute names it),
 * so the table stays server-rendered and only this button needs the browser.
 * One confirmation for the whole selection.
 */
export function DeleteSelectedForm({ id, language }: { id: string; language: Language }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const t = messages(language);
  return (
    <form
      id={id}
      className="delete-selected"
      onSubmit={async (event) => {
        event.preventDefault();
        const urls = new FormData(event.currentTarget).getAll('selected').map(String);
        if (urls.length === 0) {
          window.alert(t.noneSelected);
          return;
        }
        if (!window.confirm(t.confirmDeleteMany(urls.length))) return;
        setBusy(true);
        const failed = await deleteUploads(urls);
        setBusy(false);
        if (failed > 0) window.alert(t.deleteManyFailed(failed));
        router.refresh();
      }}
    >
      <button type="submit" className="secondary" disabled={busy}>
        {t.deleteSelected}
      </button>
    </form>
  );
}
