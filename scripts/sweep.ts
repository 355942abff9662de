/**
 * One sweep of expired uploads, for a cron job: `npm run sweep`. Uses the same
 * environment as the server (UPLOAD_DIR, UPLOAD_EXPIRES_AFTER, UPLOAD_EVENT_LOG,
 * REDIS_URL).
 *
 * With REDIS_URL, it sees the locks of every instance: an upload a request is
 * working on is skipped, and the sweep waits its turn with the instances'
 * own sweepers (one at a time). Without it, another process's locks are
 * invisible from here, so an upload counts as in use only through its
 * activity: one that received a byte within the expiry period is never
 * removed. The server's own sweeper (UPLOAD_SWEEP_INTERVAL) also skips
 * uploads its requests are working on.
 */
import { ConfigError, createUploadEngine, engineSettingsFromEnv } from '@resumable-uploads/engine';

async function main(): Promise<void> {
  const engine = createUploadEngine(engineSettingsFromEnv());
  try {
    if (!engine.extensions.expiration) {
      console.log('[sweep] expiration is off (UPLOAD_EXPIRES_AFTER): nothing to sweep');
      return;
    }
    const removed = await engine.sweep();
    if (removed === null) console.log('[sweep] another instance is sweeping: nothing done');
    else console.log(`[sweep] removed ${removed.length} expired uploads`);
  } finally {
    engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(`[sweep] ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
