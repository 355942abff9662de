/**
 * One sweep of expired uploads, for a cron job: `npm run sweep`. Uses the same
 * environment as the server (UPLOAD_DIR, UPLOAD_EXPIRES_AFTER, UPLOAD_EVENT_LOG).
 *
 * Another process's locks are invisible from here, so an upload counts as in
 * use only through its activity: one that received a byte within the expiry
 * period is never removed. The server's own sweeper (UPLOAD_SWEEP_INTERVAL)
 * also skips uploads its requests are working on.
 */
import { ConfigError } from '../tus/config';
import { createUploadEngine } from '../tus/server';
import { readConfig } from '../tus/config';

async function main(): Promise<void> {
  const engine = createUploadEngine(readConfig());
  if (!engine.extensions.expiration) {
    console.log('[sweep] expiration is off (UPLOAD_EXPIRES_AFTER): nothing to sweep');
    return;
  }
  const removed = await engine.sweep();
  console.log(`[sweep] removed ${removed.length} expired uploads`);
}

main().catch((error: unknown) => {
  console.error(`[sweep] ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
