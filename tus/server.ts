/** The production HTTP server for an app that serves the endpoint (`@resumable-uploads/engine/server`). */
export { startUploadServer, type UploadServerOptions } from './http/server';
export { SERVER_DEFAULTS, serverSettingsFromEnv, type ServerSettings } from './http/settings';
export { isLoopback, metricsSettingsFromEnv, type MetricsSettings } from './metrics/settings';
export { tuneRuntimeForUploads } from './http/runtime';
