import { EVENTS, Server, type Upload } from '@tus/server';
import { config, type UploadConfig } from './config';
import { openEventLog, type EventLog } from './event-log';
import { UPLOAD_ROUTE, uploadIdOf } from './upload-url';
import { LocalFileStore } from './stores/file';

/** How often a running PATCH reports its progress to the event log. */
const PROGRESS_INTERVAL_MS = 250;

export interface UploadEngine {
  config: UploadConfig;
  server: Server;
  store: LocalFileStore;
  events: EventLog;
}

/** Composes store, tus server and event log from one configuration. */
export function createUploadEngine(cfg: UploadConfig): UploadEngine {
  const store = new LocalFileStore(cfg.uploadDir);
  const events = openEventLog(cfg.eventLog);
  const { publicUrl } = cfg;
  const server = new Server({
    path: UPLOAD_ROUTE,
    datastore: store,
    maxSize: cfg.maxSize,
    respectForwardedHeaders: cfg.trustProxy,
    generateUrl: publicUrl ? (_req, { path, id }) => new URL(`.${path}/${id}`, withTrailingSlash(publicUrl)).href : undefined,
    allowedOrigins: cfg.corsOrigins === '*' ? undefined : cfg.corsOrigins,
    postReceiveInterval: PROGRESS_INTERVAL_MS,
    getFileIdFromRequest: (req) => uploadIdOf(req.url) ?? undefined,
  });

  server.on(EVENTS.POST_CREATE, (_req: unknown, upload: Upload) => {
    events.write({ type: 'created', id: upload.id, size: upload.size ?? null, offset: upload.offset });
  });
  server.on(EVENTS.POST_RECEIVE, (_req: unknown, upload: Upload) => {
    events.write({ type: 'progress', id: upload.id, offset: upload.offset });
  });
  server.on(EVENTS.POST_FINISH, (_req: unknown, _res: unknown, upload: Upload) => {
    events.write({ type: 'finished', id: upload.id, size: upload.size ?? upload.offset });
  });
  server.on(EVENTS.POST_TERMINATE, (_req: unknown, _res: unknown, id: string) => {
    events.write({ type: 'terminated', id });
  });
  return { config: cfg, server, store, events };
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
