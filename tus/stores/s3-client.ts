import type { S3, S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Settings } from '../config';
import { refuse } from '../errors';

/** The AWS SDK client configuration for an S3-compatible bucket. */
export function s3ClientConfig(settings: S3Settings): S3ClientConfig & { bucket: string } {
  const checksums = settings.checksums === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return {
    bucket: settings.bucket,
    region: settings.region,
    ...(settings.endpoint && { endpoint: settings.endpoint.href.replace(/\/$/, '') }),
    ...(settings.credentials && { credentials: settings.credentials }),
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  };
}

/** Socket failures: the service is down or restarting. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

interface SdkFailure {
  code?: string;
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Whether an SDK failure means the service is unreachable or failing (after the SDK's own retries), not that the request was wrong. */
export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const failure = error as SdkFailure;
  if (failure.code !== undefined && UNREACHABLE.has(failure.code)) return true;
  if (failure.name === 'TimeoutError') return true;
  const status = failure.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Turns every request's "service unreachable or failing" into the endpoint's
 * 503 ERR_STORAGE_UNAVAILABLE (retriable, what tus clients retry) rather than
 * an anonymous 500. Installed around the SDK's retries, so it sees only what
 * they could not fix.
 */
export function reportUnavailableStorage(client: S3): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isStorageUnavailable(error)) throw refuse.storageUnavailable();
        throw error;
      }
    },
    { step: 'initialize', name: 'reportUnavailableStorage' },
  );
}

/** Called with each request's operation (tusd's names) and duration in milliseconds. */
export type S3RequestTimer = (operation: string, ms: number) => void;

/**
 * Times every request the store sends, retries included, as tusd times its
 * own calls (tusd_s3_request_duration_ms), with tusd's operation names:
 * objects ending in .info and .part are told apart as tusd tells them.
 */
export function timeRequests(client: S3, onRequest: S3RequestTimer): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        onRequest(operationOf(context.commandName ?? 'Unknown', (args.input as { Key?: unknown }).Key), performance.now() - started);
      }
    },
    { step: 'initialize', name: 'timeRequests' },
  );
}

/** tusd's operation label: `put_info_object` for PutObject of an .info, `upload_part` for UploadPart, and so on. */
export function operationOf(commandName: string, key: unknown): string {
  const command = commandName.replace(/Command$/, '');
  const object = /^(Get|Put|Head|Delete)Object$/.exec(command);
  if (object && typeof key === 'string') {
    if (key.endsWith('.info')) return `${object[1].toLowerCase()}_info_object`;
    if (key.endsWith('.part')) return `${object[1].toLowerCase()}_part_object`;
  }
  return command.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
}
