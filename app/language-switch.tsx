'use client';

import { useRouter } from 'next/navigation';
import { LANGUAGE_COOKIE, LANGUAGES, messages, type Language } from './i18n';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function LanguageSwitch({ language, label }: { language: Language; label: string }) {
  const router = useRouter();
  return (
    <label className="language-switch">
      <span>{label}</span>
      <select
        data-testid="language-switch"
        value={language}
        onChange={(event) => {
          document.cookie = `${LANGUAGE_COOKIE}=${event.target.value}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
          router.refresh();
        }}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {messages(code).languageName}
          </option>
        ))}
      </select>
    </label>
  );
}
