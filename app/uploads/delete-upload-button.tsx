'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { messages, type Language } from '../i18n';

/** Deletes an upload with a tus termination request, then refreshes the list. */
export function DeleteUploadButton({ url, name, language }: { url: string; name: string; language: Language }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const t = messages(language);
  return (
    <button
      type="button"
      className="secondary"
      disabled={busy}
      onClick={async () => {
        if (!window.confirm(t.confirmDelete(name))) return;
        setBusy(true);
        const response = await fetch(url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } }).catch(() => null);
        setBusy(false);
        if (!response || (response.status !== 204 && response.status !== 404)) {
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
