import { Histogram, Registry, Summary } from 'prom-client';
import type { Lock, Locker, RequestRelease } from '@tus/server';
import { HOOK_TYPES, type HookType } from '../hooks/types';
import type { Answer } from '../http/answer';
import { singleTally, Tallies } from './tally';

/**
 * Names of metrics that mean what tusd's mean: tusd's own, so that its
 * dashboards and alerts carry over (docs/metrics.md lists both kinds).
 */
export const TUSD_METRICS = {
  requests: 'tusd_requests_total',
  errors: 'tusd_errors_total',
  bytesReceived: 'tusd_bytes_received',
  uploadsCreated: 'tusd_uploads_created',
  uploadsFinished: 'tusd_uploads_finished',
  uploadsTerminated: 'tusd_uploads_terminated',
  connectionsOpen: 'tusd_connections_open',
  hookInvocations: 'tusd_hook_invocations_total',
  hookErrors: 'tusd_hook_errors_total',
  s3RequestDuration: 'tusd_s3_request_duration_ms',
} as const;

/** The prefix of this engine's metrics that have no tusd equivalent. */
export const OWN_PREFIX = 'resumable_uploads_';

/** The methods tusd counts; a request with any other is counted under `other` in our own metrics only, as tusd skips it. */
const TUS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS']);

/** What a flush made durable: a data file, an info file, or the folder's names. */
export type FlushTarget = 'data' | 'info' | 'folder';

/** Runs a flush (fdatasync, fsync) and measures how long it took. */
export type FlushTimer = (target: FlushTarget, flush: () => Promise<void>) => Promise<void>;

/**
 * The upload engine's metrics, in a Prometheus registry of its own (one per
 * engine: two engines in one process, as in the tests, never mix counts).
 * The engine composes it and hands each part the one call it needs; the
 * production server serves `registry` beside the process's own metrics
 * (metrics/server.ts). Counting happens once per request, per flush, per
 * lock or per S3 request, never per chunk of a body.
 */
export class UploadMetrics {
  readonly registry = new Registry();

  private readonly requests = new Tallies(
    this.registry,
    TUSD_METRICS.requests,
    'Requests to the upload endpoint by method, as tusd counts them.',
    ['method'],
  );
  private readonly responses = new Tallies(
    this.registry,
    `${OWN_PREFIX}responses_total`,
    'Answers of the upload endpoint by method and HTTP status.',
    ['method', 'status'],
  );
  private readonly errors = new Tallies(
    this.registry,
    TUSD_METRICS.errors,
    'Answers with a status of 400 or more, by status and stable code.',
    ['status', 'code'],
  );
  private readonly bytes = singleTally(this.registry, TUSD_METRICS.bytesReceived, 'Bytes read from request bodies into uploads.');
  private readonly createdTally = singleTally(this.registry, TUSD_METRICS.uploadsCreated, 'Number of created uploads.');
  private readonly finishedTally = singleTally(this.registry, TUSD_METRICS.uploadsFinished, 'Number of finished uploads.');
  private readonly terminatedTally = singleTally(this.registry, TUSD_METRICS.uploadsTerminated, 'Number of terminated uploads.');
  private readonly expiredTally = singleTally(
    this.registry,
    `${OWN_PREFIX}expired_total`,
    'Unfinished uploads removed by the sweeper because they expired.',
  );
  private readonly hookCalls = new Tallies(this.registry, TUSD_METRICS.hookInvocations, 'Total number of invocations per hook type.', [
    'hooktype',
  ]);
  private readonly hookFailures = new Tallies(this.registry, TUSD_METRICS.hookErrors, 'Total number of execution errors per hook type.', [
    'hooktype',
  ]);
  private readonly lockWaits = new Histogram({
    name: `${OWN_PREFIX}lock_wait_seconds`,
    help: "How long requests waited for an upload's lock (also those that gave up), in seconds.",
    // Uncontended: well under a millisecond (more with Redis); a holder asked to let go: about the 3 s lock drain.
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly flushes = new Histogram<'target'>({
    name: `${OWN_PREFIX}flush_seconds`,
    help: 'How long flushes to the disk took (fdatasync of data files, fsync of info files and of the folder), in seconds.',
    labelNames: ['target'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly s3Requests = new Summary<'operation'>({
    name: TUSD_METRICS.s3RequestDuration,
    help: 'Duration of requests sent to S3 in milliseconds per operation',
    labelNames: ['operation'],
    // tusd's objectives, so its dashboards' quantiles carry over.
    percentiles: [0.5, 0.9, 0.99],
    registers: [this.registry],
  });

  constructor() {
    // tusd shows every method and hook type from the start, so rate() over a fresh server has a first sample.
    for (const method of TUS_METHODS) this.requests.show(method, { method });
    for (const hooktype of HOOK_TYPES) {
      this.hookCalls.show(hooktype, { hooktype });
      this.hookFailures.show(hooktype, { hooktype });
    }
  }

  /** Every answer of the endpoint, once, as it leaves (endpoint.ts). */
  answered(method: string, { status, code }: Answer): void {
    const known = TUS_METHODS.has(method) ? method : 'other';
    if (known !== 'other') this.requests.of(known, () => ({ method: known })).value += 1;
    this.responses.of(`${known} ${status}`, () => ({ method: known, status: String(status) })).value += 1;
    if (status < 400) return;
    const errorCode = code ?? (status >= 500 ? 'ERR_INTERNAL_SERVER_ERROR' : 'ERR_UNKNOWN');
    this.errors.of(`${status} ${errorCode}`, () => ({ status: String(status), code: errorCode })).value += 1;
  }

  /** The bytes of one request body, counted once when its reception ends (handlers/body.ts). */
  readonly received = (bytes: number): void => {
    this.bytes.value += bytes;
  };

  created(): void {
    this.createdTally.value += 1;
  }

  finished(): void {
    this.finishedTally.value += 1;
  }

  terminated(): void {
    this.terminatedTally.value += 1;
  }

  readonly expired = (): void => {
    this.expiredTally.value += 1;
  };

  hookInvoked(type: HookType): void {
    this.hookCalls.of(type, () => ({ hooktype: type })).value += 1;
  }

  hookFailed(type: HookType): void {
    this.hookFailures.of(type, () => ({ hooktype: type })).value += 1;
  }

  /** A flush, timed; what it throws is thrown on. */
  readonly timeFlush: FlushTimer = async (target, flush) => {
    const started = performance.now();
    try {
      await flush();
    } finally {
      this.flushes.observe({ target }, (performance.now() - started) / 1000);
    }
  };

  /** One S3 request's duration, in milliseconds as tusd reports it (stores/s3-client.ts). */
  s3Request(operation: string, ms: number): void {
    this.s3Requests.observe({ operation }, ms);
  }

  /**
   * `locker` with every wait for a lock timed: the handlers' and the final
   * assembly's. A wait that ends in a refusal (timeout, Redis down, the
   * client gone) is measured too: a long wait is the story either way.
   */
  timedLocker(locker: Locker): Locker {
    const waits = this.lockWaits;
    return {
      newLock(id: string): Lock {
        const lock = locker.newLock(id);
        return {
          async lock(signal: AbortSignal, requestRelease: RequestRelease) {
            const started = performance.now();
            try {
              await lock.lock(signal, requestRelease);
            } finally {
              waits.observe((performance.now() - started) / 1000);
            }
          },
          unlock: () => lock.unlock(),
        };
      },
    };
  }
}
