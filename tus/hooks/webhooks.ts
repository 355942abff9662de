import type { Outbox, OutboxRecord, RetryPolicy } from './outbox';
import type { PostType } from './runner';
import { WebhookClient, type WebhookSettings } from './webhook-client';
import type { HookEvent, HookType, UploadHooks } from './types';
import type { Logger } from 'pino';

/** The webhooks of an engine (EngineSettings.webhooks). */
export interface WebhookOptions extends WebhookSettings {
  /** The events sent; tusd's defaults leave out pre-finish and pre-terminate. */
  events: readonly HookType[];
  /** What a blocking hook does when the receiver fails: refuse the request (false) or go on as if it had no hook (true). */
  failOpen: boolean;
  /** Where post-* events wait for the receiver, without Redis. */
  outboxDir: string;
}

export const DEFAULT_WEBHOOK_EVENTS: readonly HookType[] = ['pre-create', 'post-create', 'post-receive', 'post-finish', 'post-terminate'];

/** Retries of post-* events: 1 s, 2 s, 4 s… then every 30 s, for as long as it takes. */
export const WEBHOOK_RETRY: RetryPolicy = { firstMs: 1_000, maxMs: 30_000 };

/**
 * tusd-compatible hooks over HTTP. Blocking events (pre-*) and post-receive
 * are sent while the request waits, as `hooks` to compose with the app's own;
 * post-create, post-finish and post-terminate go through the outbox (`post`),
 * kept before the request is answered and delivered at least once.
 */
export class Webhooks {
  readonly hooks: UploadHooks;
  private readonly client: WebhookClient;
  private readonly outbox: Outbox;
  private readonly events: ReadonlySet<HookType>;

  /** `outbox`: the engine's choice (a folder, or Redis), given the delivery to make and where to report. */
  constructor(
    options: WebhookOptions,
    outbox: (deliver: (record: OutboxRecord) => Promise<void>, report: (message: string) => void) => Outbox,
    logger: Logger,
  ) {
    this.client = new WebhookClient(options);
    this.events = new Set(options.events);
    this.outbox = outbox(
      (record) => this.deliver(record.key, record.body),
      (message) => logger.warn({ component: 'webhooks' }, message),
    );
    const blocking = <T>(type: HookType, answer: (response: Awaited<ReturnType<WebhookClient['send']>>) => T) =>
      this.events.has(type)
        ? async (event: HookEvent): Promise<T | undefined> => {
            try {
              return answer(await this.client.send(type, this.client.body(event)));
            } catch (error) {
              if (!options.failOpen) throw error;
              logger.warn({ err: error, hook: type }, `webhook ${type} failed; going on without it (UPLOAD_HOOKS_FAIL=open)`);
              return undefined;
            }
          }
        : undefined;
    this.hooks = {
      preCreate: blocking('pre-create', (response) => response),
      preFinish: blocking('pre-finish', (response) => response),
      preTerminate: blocking('pre-terminate', (response) => response),
      // Progress is superseded by the next report: sent once, not kept.
      postReceive: blocking('post-receive', (response) => response),
    };
  }

  /** Reads what a previous run left in the outbox and sends it. */
  start(): Promise<void> {
    return this.outbox.start();
  }

  stop(): void {
    this.outbox.stop();
  }

  /** Keeps a post-* event for delivery; resolves once it is kept, before the request is answered. */
  /** Whether this post-* event is sent: nothing is built for it otherwise. */
  sends(type: PostType): boolean {
    return this.events.has(type);
  }

  async post(type: PostType, event: HookEvent): Promise<void> {
    if (!this.events.has(type)) return;
    // One key per event of an upload: a receiver that saw it already can tell.
    await this.outbox.add({ key: `${type}.${event.upload.id ?? ''}`, body: this.client.body(event) });
  }

  private async deliver(key: string, body: string): Promise<void> {
    const type = key.slice(0, key.indexOf('.')) as HookType;
    await this.client.send(type, body, key);
  }
}

/**
 * The app's hooks, then the webhook's: the webhook sees the event with the
 * metadata the app's pre-create chose; a refusal by either stands; answers
 * merge, the webhook's last.
 */
export function composeHooks(app: UploadHooks, web: UploadHooks): UploadHooks {
  const both = <A extends object>(
    first: ((event: HookEvent) => A | void | Promise<A | void>) | undefined,
    second: ((event: HookEvent) => A | void | Promise<A | void>) | undefined,
    refused: (answer: A) => boolean,
    next: (event: HookEvent, answer: A) => HookEvent = (event) => event,
  ) => {
    if (!first || !second) return first ?? second;
    return async (event: HookEvent): Promise<A | void> => {
      const a = (await first(event)) ?? undefined;
      if (a && refused(a)) return a;
      const b = (await second(a ? next(event, a) : event)) ?? undefined;
      if (!a) return b;
      if (!b) return a;
      return merge(a, b);
    };
  };
  return {
    ...app,
    preCreate: both(
      app.preCreate,
      web.preCreate,
      (a) => a.rejectUpload === true,
      (event, a) => (a.changeFileInfo?.metadata ? { ...event, upload: { ...event.upload, metadata: a.changeFileInfo.metadata } } : event),
    ),
    preFinish: both(app.preFinish, web.preFinish, (a) => a.rejectUpload === true),
    preTerminate: both(app.preTerminate, web.preTerminate, (a) => a.rejectTermination === true),
    postReceive: both(app.postReceive, web.postReceive, (a) => a.stopUpload === true),
  };
}

/** Two answers as one: flags of either, fields of the second over the first's. */
function merge<A extends object>(a: A, b: A): A {
  const merged: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [key, value] of Object.entries(b)) {
    const before = merged[key];
    merged[key] = value && typeof value === 'object' && before && typeof before === 'object' ? { ...before, ...value } : (value ?? before);
  }
  return merged as A;
}
