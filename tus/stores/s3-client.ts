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
