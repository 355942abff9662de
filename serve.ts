import { ConfigError, configureUploadEngine, engineSettingsFromEnv } from '@resumable-uploads/engine';
import { serverSettingsFromEnv, startUploadServer, tuneRuntimeForUploads, type ServerSettings } from '@resumable-uploads/engine/server';
import { uploadHooks } from './app/upload-hooks';

/**
 * The production server (`npm start`): Next.js for the app, the upload
 * engine for its endpoint, in the package's HTTP server (no cap on a long
 * PATCH, an idle timeout, a graceful shutdown).
 */
async function main(): Promise<void> {
  tuneRuntimeForUploads();
  let settings: ServerSettings;
  try {
    settings = serverSettingsFromEnv();
    // The engine with the app's hooks, before Next.js may take a request (it does not wait for instrumentation.ts).
    configureUploadEngine({ ...engineSettingsFromEnv(), hooks: uploadHooks });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`[server] cannot start: ${error.message}`);
    process.exit(1);
  }
  // Next.js reads NODE_ENV when it loads: set before the import.
  Object.assign(process.env, { NODE_ENV: 'production' });
  const { default: next } = await import('next');
  const app = next({ dev: false, dir: __dirname, hostname: settings.host, port: settings.port });
  // Runs instrumentation.ts, which starts the upload engine (and stops the process on a bad setting).
  await app.prepare();
  startUploadServer({ settings, fallback: app.getRequestHandler() });
}

main().catch((error: unknown) => {
  console.error('[server] failed to start:', error);
  process.exit(1);
});
