'use client';

import { useState } from 'react';
import { messages, type Language } from '../i18n';

type State = 'idle' | 'copied' | 'failed';

/** Puts the upload's absolute download URL on the clipboard and says so next to the button. */
export function CopyLinkButton({ url, name, language }: { url: string; name: string; language: Language }) {
  const [state, setState] = useState<State>('idle');
  const t = messages(language);
  return (
    <span className="copy-link">
      <button
        type="button"
        className="secondary"
        aria-label={t.copyLinkNamed(name)}
        onClick={async () => {
          const absolute = new URL(url, window.location.href).href;
          const copied = await navigator.clipboard.writeText(absolute).then(
            () => true,
            () => false,
          );
          setState(copied ? 'copied' : 'failed');
        }}
      >
        {t.copyLink}
      </button>
      {/* A status region, so a screen reader announces what a sighted user sees appear. */}
      <span role="status" className="copy-link-status">
        {state === 'copied' ? t.copied : state === 'failed' ? t.copyFailed : ''}
      </span>
    </span>
  );
}
