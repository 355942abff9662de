import { ConfigError, engineSettingsFromEnv, readBytes, readInteger, type Env } from '@resumable-uploads/engine';

/** How the dashboard sends files; read by the page, handed to the browser. */
export interface DashboardSettings {
  /** Size of each PATCH, in bytes (never above the engine's maximum upload size). */
  chunkSize: number;
  /** Files uploaded at once. */
  parallelFiles: number;
  /** Pieces one large file is split into (1 = never split). */
  parallelParts: number;
  /** Files smaller than this are uploaded in one piece. */
  parallelMinSize: number;
}

export const DASHBOARD_DEFAULTS: DashboardSettings = {
  chunkSize: 32 * 2 ** 20,
  parallelFiles: 3,
  parallelParts: 4,
  parallelMinSize: 64 * 2 ** 20,
};

/** The dashboard's settings from the environment (docs/configuration.md, "Dashboard"); `maxSize` is the engine's. */
export function dashboardSettingsFromEnv(maxSize: number, env: Env = process.env): DashboardSettings {
  const chunkSize = readBytes(env, 'UPLOAD_CHUNK_SIZE', DASHBOARD_DEFAULTS.chunkSize, 64 * 2 ** 10);
  return {
    chunkSize: Math.min(chunkSize, maxSize),
    parallelFiles: readInteger(env, 'UPLOAD_PARALLEL_FILES', DASHBOARD_DEFAULTS.parallelFiles, 1, 20),
    parallelParts: readInteger(env, 'UPLOAD_PARALLEL_PARTS', DASHBOARD_DEFAULTS.parallelParts, 1, 16),
    parallelMinSize: readBytes(env, 'UPLOAD_PARALLEL_MIN_SIZE', DASHBOARD_DEFAULTS.parallelMinSize, 1),
  };
}

/** Stops start-up on a bad dashboard setting, as the engine does on its own: better than a page that fails later. */
export function checkDashboardSettings(env: Env = process.env): void {
  try {
    dashboardSettingsFromEnv(engineSettingsFromEnv(env).maxSize, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`[upload] cannot start: ${error.message}`);
    process.exit(1);
  }
}
