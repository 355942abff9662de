// Runs once when the Next.js server starts, before it serves a request: the
// upload engine repairs what a stop left behind, and a bad setting (the
// engine's or the dashboard's) stops the process with a message naming it.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { engineSettingsFromEnv, startUploads } = await import('@resumable-uploads/engine');
    const { checkDashboardSettings } = await import('./app/dashboard/settings');
    const { uploadHooks } = await import('./app/upload-hooks');
    checkDashboardSettings();
    await startUploads(() => ({ ...engineSettingsFromEnv(), hooks: uploadHooks }));
  }
}
