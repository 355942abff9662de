import { config } from '@/tus/config';
import { UPLOAD_ROUTE } from '@/tus/upload-url';
import { DashboardLoader } from './dashboard/dashboard-loader';
import { messages } from './i18n';
import { currentLanguage } from './language';

// Settings come from the server's environment at request time, not at build time.
export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const language = await currentLanguage();
  const t = messages(language);
  const { chunkSize, parallelFiles, maxSize, expiresAfterMs, parallelParts, parallelMinSize, uploadTokenSecret } = config();
  const accessControl = uploadTokenSecret !== null;
  return (
    <>
      <h1>{t.uploadTitle}</h1>
      <p className="tagline">{t.tagline}</p>
      <DashboardLoader
        settings={{
          endpoint: UPLOAD_ROUTE,
          chunkSize,
          parallelFiles,
          maxSize,
          expiresAfterMs,
          parallelParts,
          parallelMinSize,
          accessControl,
        }}
        language={language}
      />
    </>
  );
}
