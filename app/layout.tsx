import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import './globals.css';
import { messages } from './i18n';
import { currentLanguage } from './language';
import { LanguageSwitch } from './language-switch';

export const metadata: Metadata = {
  title: 'Resumable uploads',
  description: 'Uploads that never lose a byte',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const language = await currentLanguage();
  const t = messages(language);
  return (
    <html lang={language}>
      <body>
        <header className="site-header">
          <strong className="site-title">{t.title}</strong>
          <nav>
            <Link href="/">{t.navUpload}</Link>
            <Link href="/uploads">{t.navUploads}</Link>
          </nav>
          <LanguageSwitch language={language} label={t.switchLanguage} />
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
