import type { MetadataValue } from '@tus/s3-store';
import type { Redis } from 'ioredis';
import { EVENTS, MemoryKvStore, MemoryLocker, Server, type Upload } from '@tus/server';
import { accessPolicyOf, type AccessPolicy } from './access';
import { canConcatenate, canCreateWithDetails } from './capabilities';
import { readCatalog, readCatalogEntry } from './catalog';
import { CatalogCache } from './catalog-cache';
import { config, type UploadConfig } from './config';
import { openEventLog, type EventLog } from './event-log';
import { ExpirationPolicy } from './expiration';
import { composeExtensions, type Extensions } from './extensions';
import { FinalAssembler } from './final-assembly';
import { DeleteHandler } from './handlers/delete';
import { WRITE_SPAN, type HandlerDeps, type WriteSpan } from './handlers/handler';
import { HeadHandler } from './handlers/head';
import { OptionsHandler } from './handlers/options';
import { PatchHandler } from './handlers/patch';
import { PostHandler } from './handlers/post';
import { RedisKvStore } from './kv/redis';
import { HeldLockTracker } from './lockers/held-locks';
import { RedisLocker } from './lockers/redis';
import { RedisSweepLease } from './redis/sweep-lease';
import { LocalFileStore } from './stores/file';
import { S3UploadStore } from './stores/s3';
import { startSweeper, sweepExpired } from './sweeper';
import { UPLOAD_ROUTE, uploadIdOf } from './upload-url';

/** How often a running PATCH reports its progress to the event log. */
const PROGRESS_INTERVAL_MS = 250;

export interface UploadEngine {
  config: UploadConfig;
  server: Server;
  store: UploadStore;
  /** Where uploads are kept, for the start-up line. */
  storeLocation: string;
  events: EventLog;
  extensions: Extensions;
  expiration: ExpirationPolicy;
  locker: HeldLockTracker;
  /** Who may use which upload: open without UPLOAD_TOKEN_SECRET. */
  access: AccessPolicy;
  /** The completed uploads, for the uploads page and `/api/uploads`. */
  catalog: CatalogCache;
  /** Makes the folder consistent after a stop and starts the sweeper; once, in the serving process. */
  start(): Promise<void>;
  /** Settles once start() has made the folder consistent: a request served before then could be undone by the repair. */
  started: Promise<void>;
  /** One sweep now; returns the ids removed, or null when another instance was sweeping. */
  sweep(): Promise<string[] | null>;
  /** Closes connections to shared services (Redis), so a one-shot script can exit. */
  close(): void;
}

/**
 * Composes store, capabilities, tus server and event log from one
 * configuration. This is the one place that decides what the server can do.
 */
export function createUploadEngine(cfg: UploadConfig): UploadEngine {
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  // With several instances the lock must be shared, or two of them write one upload at once (see README, Scaling out).
  const redisLocker = cfg.redisUrl ? RedisLocker.connect(cfg.redisUrl, cfg.redisKeyPrefix) : null;
  const store = createStore(cfg, redisLocker?.redis ?? null);
  const events = openEventLog(cfg.eventLog);
  const expiration = new ExpirationPolicy(cfg.expiresAfterMs);
  const extensions = composeExtensions(store, expiration);
  const locker = new HeldLockTracker(redisLocker ?? new MemoryLocker());
  const access = accessPolicyOf(cfg);
  // An owner that is not recorded could not be enforced: refuse to start rather than serve everyone's uploads to everyone.
  if (access.enabled && !canCreateWithDetails(store)) throw new Error('UPLOAD_TOKEN_SECRET is set but the store cannot record owners');
  const { publicUrl } = cfg;
  const server = new Server({
    path: UPLOAD_ROUTE,
    datastore: store,
    locker,
    maxSize: cfg.maxSize,
    respectForwardedHeaders: cfg.trustProxy,
    generateUrl: publicUrl ? (_req, { path, id }) => new URL(`.${path}/${id}`, withTrailingSlash(publicUrl)).href : undefined,
    postReceiveInterval: PROGRESS_INTERVAL_MS,
    getFileIdFromRequest: (req) => uploadIdOf(req.url) ?? undefined,
  });

  // One process owns a folder only without Redis; with it, other instances change the catalog behind this one's back.
  const catalog = new CatalogCache(
    () => readCatalog(store, UPLOAD_ROUTE),
    (id) => readCatalogEntry(store, UPLOAD_ROUTE, id),
    store instanceof LocalFileStore && cfg.redisUrl === null,
  );
  const logFinished = (upload: Upload) => {
    catalog.refresh(upload.id);
    events.write({ type: 'finished', id: upload.id, size: upload.size ?? upload.offset });
  };
  const deps: HandlerDeps = {
    store,
    options: server.options,
    extensions,
    expiration,
    deleteFinished: cfg.deleteFinished,
    finals: canConcatenate(store) ? new FinalAssembler(store, locker, logFinished) : null,
    access,
  };
  // @tus/server dispatches each method to `handlers[method].send(req, context,
  // headers)`; its map is typed with handler classes it does not export, so
  // ours are assigned rather than declared as those classes. This must happen
  // before any server.on(): the server forwards listeners to the handlers
  // present at that moment.
  Object.assign(server.handlers, {
    OPTIONS: new OptionsHandler(deps),
    HEAD: new HeadHandler(deps),
    POST: new PostHandler(deps),
    PATCH: new PatchHandler(deps),
    DELETE: new DeleteHandler(deps),
  });

  server.on(EVENTS.POST_CREATE, (req: Request, upload: Upload) => {
    catalog.refresh(upload.id);
    const concat = req.headers.get('upload-concat')?.trim() ?? null;
    events.write({
      type: 'created',
      id: upload.id,
      size: upload.size ?? null,
      offset: upload.offset,
      concat: concat === null ? null : concat === 'partial' ? 'partial' : 'final',
    });
  });
  server.on(EVENTS.POST_RECEIVE, (_req: unknown, upload: Upload) => {
    events.write({ type: 'progress', id: upload.id, offset: upload.offset });
  });
  server.on(WRITE_SPAN, ({ id, offset, startedAt, endedAt }: WriteSpan) => {
    events.write({ type: 'write', id, offset, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString() });
  });
  server.on(EVENTS.POST_FINISH, (_req: unknown, _res: unknown, upload: Upload) => logFinished(upload));
  server.on(EVENTS.POST_TERMINATE, (_req: unknown, _res: unknown, id: string) => {
    catalog.refresh(id);
    events.write({ type: 'terminated', id });
  });

  const lease = redisLocker ? new RedisSweepLease(redisLocker.redis, cfg.redisKeyPrefix) : null;
  const sweepDeps = { store, expiration, locks: locker, lease, events };
  return {
    config: cfg,
    server,
    store,
    storeLocation: store instanceof S3UploadStore ? store.location : cfg.uploadDir,
    events,
    extensions,
    expiration,
    locker,
    access,
    catalog,
    async start() {
      await store.recoverAfterRestart();
      // The repair may have finished or removed uploads that a request before it listed.
      catalog.invalidate();
      catalog.warm();
      markStarted();
      if (extensions.expiration && cfg.sweepIntervalMs !== null) startSweeper(sweepDeps, cfg.sweepIntervalMs);
    },
    started,
    sweep: () => sweepExpired(sweepDeps),
    close: () => redisLocker?.close(),
  };
}

/** The stores the engine can be configured with (UPLOAD_STORE). */
export type UploadStore = LocalFileStore | S3UploadStore;

/** `redis`: the shared Redis connection when REDIS_URL is set, which then also holds the S3 store's cache for every instance. */
function createStore(cfg: UploadConfig, redis: Redis | null): UploadStore {
  if (cfg.uploadStore === 'file' || !cfg.s3) return new LocalFileStore(cfg.uploadDir);
  const cache = redis
    ? new RedisKvStore<MetadataValue>(redis, `${cfg.redisKeyPrefix}s3-cache:`, cfg.redisCacheTtlMs)
    : new MemoryKvStore<MetadataValue>();
  return new S3UploadStore({ settings: cfg.s3, cache });
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

/**
 * One engine per process. Next.js may evaluate this module once per route
 * bundle; the lock table must still be shared by every route, hence the
 * global slot rather than a module-level variable.
 */
const ENGINE_SLOT = Symbol.for('resumable-uploads.engine');
type EngineHolder = { [ENGINE_SLOT]?: UploadEngine };

export function uploadEngine(): UploadEngine {
  const holder = globalThis as EngineHolder;
  holder[ENGINE_SLOT] ??= createUploadEngine(config());
  return holder[ENGINE_SLOT];
}
