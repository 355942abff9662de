import { uploadEngine } from '@resumable-uploads/engine';
import { DashboardLoader } from './dashboard/dashboard-loader';
import { dashboardSettingsFromEnv } from './dashboard/settings';
import { messages } from './i18n';
import { currentLanguage } from './language';

// Settings come from the server's environment at request time, not at build time.
export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const language = await currentLanguage();
  const t = messages(language);
  const { settings, route, access } = uploadEngine();
  const { maxSize, expiresAfterMs } = settings;
  const { chunkSize, parallelFiles, parallelParts, parallelMinSize } = dashboardSettingsFromEnv(maxSize);
  return (
    <>
      <h1>{t.uploadTitle}</h1>
      <p className="tagline">{t.tagline}</p>
      <DashboardLoader
        settings={{
          endpoint: route.path,
          chunkSize,
          parallelFiles,
          maxSize,
          expiresAfterMs,
          parallelParts,
          parallelMinSize,
          accessControl: access.enabled,
        }}
        language={language}
      />
    </>
  );
}
