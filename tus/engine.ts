import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetadataValue } from '@tus/s3-store';
import type { Redis } from 'ioredis';
import { MemoryKvStore, type Locker, type Upload } from '@tus/server';
import { accessPolicyOf, type AccessPolicy } from './access';
import { canConcatenate, canCreateWithDetails } from './capabilities';
import { readCatalog, readCatalogEntry } from './catalog';
import { CatalogCache } from './catalog-cache';
import { engineSettings, type EngineOptions, type EngineSettings } from './config';
import { createEndpoint } from './endpoint';
import { eventLogOf } from './event-log';
import { createLogger } from './logging';
import { ExpirationPolicy } from './expiration';
import { composeExtensions, type Extensions } from './extensions';
import { FinalAssembler } from './final-assembly';
import { DeleteHandler } from './handlers/delete';
import type { HandlerDeps } from './handlers/handler';
import { HeadHandler } from './handlers/head';
import { OptionsHandler } from './handlers/options';
import { PatchHandler } from './handlers/patch';
import { PostHandler } from './handlers/post';
import { hookEvent, hookUpload } from './hooks/events';
import { HookRunner, type PostType } from './hooks/runner';
import { DraftEndpoint } from './ietf/endpoint';
import { FileOutbox } from './hooks/outbox';
import { RedisOutbox } from './hooks/redis-outbox';
import { composeHooks, WEBHOOK_RETRY, Webhooks } from './hooks/webhooks';
import type { ConcatRole } from './concatenation';
import type { UploadRequest } from './http/request';
import type { UploadLifecycle } from './lifecycle';
import { nodeHandler } from './http/node';
import { webHandler } from './http/web';
import { RedisKvStore } from './kv/redis';
import { HeldLockTracker } from './lockers/held-locks';
import { MemoryLocker } from './lockers/memory';
import { RedisLocker } from './lockers/redis';
import { countedHooks } from './metrics/hooks';
import { UploadMetrics } from './metrics/prometheus';
import { RedisSweepLease } from './redis/sweep-lease';
import { LocalFileStore } from './stores/file';
import { S3UploadStore } from './stores/s3';
import { startSweeper, sweepExpired } from './sweeper';
import { UploadRoute } from './upload-url';
import type { Logger } from 'pino';

/** How often a running PATCH reports its progress to the event log. */
const PROGRESS_INTERVAL_MS = 250;

/** The stores the engine can be configured with (`uploadStore`). */
export type UploadStore = LocalFileStore | S3UploadStore;

export interface UploadEngine {
  readonly settings: EngineSettings;
  /** Where the endpoint is mounted. */
  readonly route: UploadRoute;
  readonly store: UploadStore;
  /** Where uploads are kept, for the start-up line. */
  readonly storeLocation: string;
  /** What the endpoint advertises in Tus-Extension. */
  readonly extensions: Extensions;
  /** Who may use which upload: open without a token secret. */
  readonly access: AccessPolicy;
  /** The completed uploads, for an uploads page and `/api/uploads`. */
  readonly catalog: CatalogCache;
  /** The engine's log (standard output, and UPLOAD_EVENT_LOG), for the app's own lines. */
  readonly log: Logger;
  /** The upload locks the endpoint takes (shared through Redis when configured), for code that works on uploads beside it. */
  readonly locker: Locker;
  /** The engine's Prometheus metrics (docs/metrics.md): the production server serves `metrics.registry` on METRICS_PORT. */
  readonly metrics: UploadMetrics;
  /** Serves a request to the endpoint on Node's own objects (the server wrapper, any Node server). */
  handleNode(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Serves a request to the endpoint as a Web handler (Next.js route handlers). */
  handleWeb(request: Request): Promise<Response>;
  /**
   * Makes the folder consistent after a stop, then starts the sweeper: once
   * per process, whoever calls first (instrumentation, or the first request).
   */
  start(): Promise<void>;
  /** One sweep now; returns the ids removed, or null when another instance was sweeping. */
  sweep(): Promise<string[] | null>;
  /** Closes connections to shared services (Redis), so a one-shot script can exit. */
  close(): void;
}

/**
 * Composes store, capabilities, handlers and event log from one set of
 * options. This is the one place that decides what the server can do.
 */
export function createUploadEngine(options: EngineOptions = {}): UploadEngine {
  const { hooks = {}, ...given } = options;
  const settings = engineSettings(given);
  const metrics = new UploadMetrics();
  const route = new UploadRoute(settings.path);
  // With several instances the lock must be shared, or two of them write one upload at once (see docs/scaling-out.md).
  const redisLocker = settings.redisUrl ? RedisLocker.connect(settings.redisUrl, settings.redisKeyPrefix) : null;
  const events = eventLogOf(createLogger(settings.log, settings.eventLog));
  const store = createStore(settings, redisLocker?.redis ?? null, events.logger, metrics);
  const expiration = new ExpirationPolicy(settings.expiresAfterMs);
  const extensions = composeExtensions(store, expiration);
  const locker = new HeldLockTracker(redisLocker ?? new MemoryLocker());
  const access = accessPolicyOf(settings.uploadTokenSecret);
  // An owner that is not recorded could not be enforced: refuse to start rather than serve everyone's uploads to everyone.
  if (access.enabled && !canCreateWithDetails(store)) throw new Error('UPLOAD_TOKEN_SECRET is set but the store cannot record owners');

  // One process owns a folder only without Redis; with it, other instances change the catalog behind this one's back.
  const catalog = new CatalogCache(
    () => readCatalog(store, route),
    (id) => readCatalogEntry(store, route, id),
    store instanceof LocalFileStore && settings.redisUrl === null,
  );
  const webhookSettings = settings.webhooks;
  const webhooks = webhookSettings
    ? new Webhooks(
        webhookSettings,
        // With Redis, every instance shares one outbox; without, it is a folder beside the uploads.
        (deliver, report) =>
          redisLocker
            ? new RedisOutbox(
                redisLocker.redis,
                settings.redisKeyPrefix,
                deliver,
                WEBHOOK_RETRY,
                2 * webhookSettings.timeoutMs + 5_000,
                report,
              )
            : new FileOutbox(webhookSettings.outboxDir, settings.durability === 'strict', deliver, WEBHOOK_RETRY, report),
        events.logger,
      )
    : null;
  const hookRunner = new HookRunner(
    countedHooks(webhooks ? composeHooks(hooks, webhooks.hooks) : hooks, metrics),
    settings.postReceiveIntervalMs,
    (type, error) => {
      metrics.hookFailed(type);
      events.logger.error({ err: error, hook: type }, `the ${type} hook failed`);
    },
  );
  /** A post-* event: the app's hook runs after the answer; the webhook's is kept before it. */
  const happened = async (type: PostType, upload: Upload, concat: ConcatRole | null, req: UploadRequest) => {
    const sent = webhooks?.sends(type) ?? false;
    if (!hookRunner.listens(type) && !sent) return;
    const described = hookUpload(upload, concat);
    hookRunner.notify(type, described, req);
    if (sent) await webhooks?.post(type, hookEvent(type, described, req));
  };
  const lifecycle: UploadLifecycle = {
    observed: events.enabled,
    // A new upload is not complete yet, so not in the catalog: finished() adds it.
    async created(upload, concat, req) {
      metrics.created();
      events.write({ type: 'created', id: upload.id, size: upload.size ?? null, offset: upload.offset, concat: concat?.kind ?? null });
      await happened('post-create', upload, concat, req);
    },
    progress: (id, offset) => events.write({ type: 'progress', id, offset }),
    wrote({ id, offset, startedAt, endedAt }) {
      events.write({ type: 'write', id, offset, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString() });
    },
    async finished(upload, concat, req) {
      metrics.finished();
      catalog.refresh(upload.id);
      events.write({ type: 'finished', id: upload.id, size: upload.size ?? upload.offset });
      await happened('post-finish', upload, concat, req);
    },
    async terminated(upload, concat, req) {
      metrics.terminated();
      catalog.refresh(upload.id);
      events.write({ type: 'terminated', id: upload.id });
      await happened('post-terminate', upload, concat, req);
    },
  };
  // The handlers' and the final assembly's waits are timed; the sweeper never waits (lockIfIdle).
  const timedLocker = metrics.timedLocker(locker);
  const deps: HandlerDeps = {
    store,
    locker: timedLocker,
    maxSize: settings.maxSize,
    location: { route, publicUrl: settings.publicUrl, trustProxy: settings.trustProxy },
    extensions,
    expiration,
    deleteFinished: settings.deleteFinished,
    finals: canConcatenate(store)
      ? new FinalAssembler(store, timedLocker, (upload, concat, req) => lifecycle.finished(upload, concat, req))
      : null,
    access,
    hooks: hookRunner,
    lifecycle,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
    received: metrics.received,
  };

  const lease = redisLocker ? new RedisSweepLease(redisLocker.redis, settings.redisKeyPrefix) : null;
  const sweepDeps = { store, expiration, locks: locker, lease, events, expired: metrics.expired };
  let starting: Promise<void> | null = null;
  const start = () =>
    (starting ??= (async () => {
      await store.recoverAfterRestart();
      // The repair may have finished or removed uploads that a request before it listed.
      catalog.invalidate();
      catalog.warm();
      await webhooks?.start();
      if (extensions.expiration && settings.sweepIntervalMs !== null) startSweeper(sweepDeps, settings.sweepIntervalMs);
    })());

  const serve = createEndpoint({
    route,
    handlers: {
      OPTIONS: new OptionsHandler(deps),
      HEAD: new HeadHandler(deps),
      POST: new PostHandler(deps),
      PATCH: new PatchHandler(deps),
      DELETE: new DeleteHandler(deps),
    },
    draft: new DraftEndpoint(deps, route),
    store,
    access,
    corsOrigins: settings.corsOrigins,
    events,
    metrics,
    started: start,
  });

  return {
    settings,
    route,
    store,
    storeLocation: store instanceof S3UploadStore ? store.location : settings.uploadDir,
    extensions,
    access,
    catalog,
    locker,
    metrics,
    log: events.logger,
    handleNode: nodeHandler(serve),
    handleWeb: webHandler(serve),
    start,
    sweep: () => sweepExpired(sweepDeps),
    close: () => {
      webhooks?.stop();
      redisLocker?.close();
    },
  };
}

/** `redis`: the shared Redis connection when REDIS_URL is set, which then also holds the S3 store's cache for every instance. */
function createStore(settings: EngineSettings, redis: Redis | null, logger: Logger, metrics: UploadMetrics): UploadStore {
  // Without Redis there is one instance: nobody else writes the folder (see LocalFileStore's soleWriter).
  if (settings.uploadStore === 'file' || !settings.s3) {
    return new LocalFileStore(settings.uploadDir, {
      soleWriter: redis === null,
      sync: settings.durability === 'strict',
      log: logger,
      timeFlush: metrics.timeFlush,
    });
  }
  const cache = redis
    ? new RedisKvStore<MetadataValue>(redis, `${settings.redisKeyPrefix}s3-cache:`, settings.redisCacheTtlMs)
    : new MemoryKvStore<MetadataValue>();
  return new S3UploadStore({ settings: settings.s3, cache, onRequest: (operation, ms) => metrics.s3Request(operation, ms) });
}
