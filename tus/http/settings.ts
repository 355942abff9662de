import { readInteger, readRequiredDuration, type Env } from '../env';
import { metricsSettingsFromEnv, type MetricsSettings } from '../metrics/settings';

/** The settings of the HTTP server that carries the endpoint (http/server.ts). */
export interface ServerSettings {
  /** Address and port to listen on. */
  host: string;
  port: number;
  /** A connection that sends nothing for this long is closed (slowloris); there is no cap on a request that keeps moving. */
  idleTimeoutMs: number;
  /** On SIGTERM, how long running requests may finish before their connections are cut. */
  shutdownGraceMs: number;
  /** Where the Prometheus metrics are served (docs/metrics.md); null or absent: not served. */
  metrics?: MetricsSettings | null;
}

export const SERVER_DEFAULTS: ServerSettings = {
  host: '127.0.0.1',
  port: 3000,
  idleTimeoutMs: 60_000,
  shutdownGraceMs: 10_000,
};

/** The server's settings from the environment (docs/configuration.md, "HTTP server"). */
export function serverSettingsFromEnv(env: Env = process.env): ServerSettings {
  const port = readInteger(env, 'PORT', SERVER_DEFAULTS.port, 1, 65535);
  return {
    host: env.HOST?.trim() || SERVER_DEFAULTS.host,
    port,
    idleTimeoutMs: readRequiredDuration(env, 'UPLOAD_IDLE_TIMEOUT', SERVER_DEFAULTS.idleTimeoutMs),
    shutdownGraceMs: readRequiredDuration(env, 'SHUTDOWN_GRACE', SERVER_DEFAULTS.shutdownGraceMs),
    metrics: metricsSettingsFromEnv(env, port),
  };
}
