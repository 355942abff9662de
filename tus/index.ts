/**
 * The upload engine: a tus 1.0 endpoint that never loses an acknowledged
 * byte, for any Node HTTP server and for Next.js route handlers. This file is
 * the package's one public entry; `/next` adds route handlers and `/server`
 * the production HTTP server (see README.md here).
 */

// The engine and the process's one instance of it.
export { createUploadEngine, type UploadEngine, type UploadStore } from './engine';
export { configureUploadEngine, startUploads, uploadEngine } from './process-engine';

// Settings: typed in code, or read from the environment.
export {
  DURABILITIES,
  ENGINE_DEFAULTS,
  engineSettings,
  engineSettingsFromEnv,
  MIN_S3_PART_SIZE,
  type Durability,
  type EngineOptions,
  type EngineSettings,
  type S3Settings,
} from './config';
export { ConfigError, parseByteSize, parseDuration, readBoolean, readBytes, readChoice, readDuration, readInteger, type Env } from './env';

// Hooks: tusd's events, in code.
export {
  HOOK_TYPES,
  type HookEvent,
  type HookHttpRequest,
  type HookHttpResponse,
  type HookStorage,
  type HookType,
  type HookUpload,
  type PostReceiveAnswer,
  type PreCreateAnswer,
  type PreFinishAnswer,
  type PreTerminateAnswer,
  type UploadHooks,
} from './hooks/types';
export type { UploadRequest } from './http/request';

// The log: JSON lines on standard output (LOG_LEVEL, LOG_FORMAT).
export { log, type LogSettings } from './logging';

// Prometheus metrics: each engine's registry (docs/metrics.md).
export { UploadMetrics } from './metrics/prometheus';

// Refusals: a status and a stable code.
export { isUploadError, UploadError } from './errors';

// Access control: upload tokens and who they name.
export { cookieValue, unauthorized, UPLOAD_TOKEN_COOKIE, type AccessPolicy } from './access';
export { issueUploadToken, verifyUploadToken } from './access-tokens';

// The completed uploads, for an uploads page or a JSON listing.
export type { CompletedUpload } from './catalog';
export {
  applyFilter,
  LISTING_SORTS,
  pageAfter,
  totalOf,
  type ListingFilter,
  type ListingPage,
  type ListingSort,
  type ListingTotal,
} from './catalog-listing';
export { parseListingRequest, type ListingRequest } from './listing-request';

// Stores, for scripts and tests that work on uploads directly.
export { LocalFileStore } from './stores/file';
export { S3UploadStore } from './stores/s3';
export { DEFAULT_UPLOAD_PATH, UploadRoute } from './upload-url';
