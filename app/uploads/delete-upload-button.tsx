'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { messages, type Language } from '../i18n';
import { deleteUploads } from './delete-uploads';

/** Deletes an upload with a tus termination request, then refreshes the list. */
export function DeleteUploadButton({ url, name, language }: { url: string; name: string; language: Language }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const t = messages(language);
  return (
    <button
      type="button"
      className="secondary"
      aria-label={t.deleteNamed(name)}
      disabled={busy}
      onClick={async () => {
        if (!window.confirm(t.confirmDelete(name))) return;
        setBusy(true);
        const failed = await deleteUploads([url]);
        setBusy(false);
        if (failed > 0) {
          window.alert(t.deleteFailed);
          return;
        }
        router.refresh();
      }}
    >
      {t.delete}
    </button>
  );
}
