/**
 * Prints an upload token for `subject`, for curl, tuspy or any client outside
 * the browser: `npm run token -- <subject> [ttl]` (ttl: a duration such as
 * 90s, 30m, 24h or 7d; default 24h). Uses the server's UPLOAD_TOKEN_SECRET.
 * Uploads made with the token belong to `subject`.
 */
import { ConfigError, engineSettingsFromEnv, issueUploadToken, parseDuration } from '@resumable-uploads/engine';

const DEFAULT_TTL = '24h';

function main(): void {
  const [subject, ttl = DEFAULT_TTL] = process.argv.slice(2);
  if (!subject) throw new Error('usage: npm run token -- <subject> [ttl such as 30m, 24h or 7d]');
  const ttlMs = parseDuration(ttl);
  if (ttlMs === null || ttlMs === undefined) throw new Error(`the ttl must be a duration such as 30m, 24h or 7d (got "${ttl}")`);
  const secret = engineSettingsFromEnv().uploadTokenSecret;
  if (secret === null) throw new Error('UPLOAD_TOKEN_SECRET is not set: the server is in open mode and needs no token');
  console.log(issueUploadToken(secret, subject, ttlMs));
}

try {
  main();
} catch (error) {
  console.error(`[token] ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
