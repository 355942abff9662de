import type { ConnectionWatch } from './connection';

/** The HTTP status of a tus-js-client error: 0 when no answer came (network error, offline, aborted). */
export function statusOf(error: unknown): number {
  const response = (error as { originalResponse?: { getStatus(): number } | null } | null)?.originalResponse;
  return response?.getStatus() ?? 0;
}

/**
 * Whether a request that failed this way is worth sending again. No answer,
 * any 5xx, 408 (a proxy's cap on a long PATCH: the bytes that arrived are
 * kept), 409 (the offset moved: the retry asks again with HEAD), 423 (the
 * upload is locked by a request being cut) and 429. Any other 4xx is the
 * server's final word.
 */
export function isRetryable(status: number): boolean {
  return status === 0 || status >= 500 || status === 408 || status === 409 || status === 423 || status === 429;
}

/** The server is out of reach rather than answering: nothing came back, or a proxy or a restarting server said so. */
function meansUnreachable(status: number): boolean {
  return status === 0 || status === 502 || status === 503 || status === 504;
}

/**
 * tus-js-client's retry hooks, for every request of every file and of every
 * piece of a file sent in pieces.
 *
 * This replaces @uppy/tus's own retry decision on purpose. Its decision
 * swaps a per-file placeholder for the file's place in the upload queue on
 * every failure; the pieces of one file share that placeholder, so after a
 * network drop each piece's retry takes a place in the queue that is never
 * given back, and once the queue's places are gone the remaining pieces wait
 * for ever (a 300 MiB file in 4 pieces sat at 57 % after a 20 s outage).
 * Here a retry takes no place in the queue: it waits until the server can
 * be reached (`onBeforeRequest`), so an outage of any length costs no
 * attempts, and a retry goes out as soon as the server answers.
 */
export function retryHooks(watch: ConnectionWatch) {
  return {
    onShouldRetry(error: unknown): boolean {
      const status = statusOf(error);
      if (meansUnreachable(status)) watch.lost();
      return isRetryable(status);
    },
    onBeforeRequest(): Promise<void> {
      return watch.whenReachable();
    },
  };
}
