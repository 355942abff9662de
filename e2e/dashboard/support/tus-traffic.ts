import type { Page, Request } from '@playwright/test';

/** One tus request the browser made, with its answer once it has one. */
export interface TusExchange {
  /** Order in which the browser sent it, across page loads. */
  seq: number;
  method: string;
  url: string;
  /** The upload id in `/api/upload/<id>`, null for the creation URL. */
  uploadId: string | null;
  /**
   * Main-frame navigations seen before the request was sent: it grows with
   * every reload, so it tells requests of one page load from the next.
   */
  pageLoad: number;
  requestOffset: number | null;
  /** The request's Upload-Concat header: `partial` for a piece, `final;<urls>` for the upload that joins them. */
  concat: string | null;
  status: number | null;
  responseOffset: number | null;
  /** True when the request never got an answer (aborted, network cut, server gone). */
  failed: boolean;
  /** For a POST answered 201: the id of the upload it created. */
  createdId: string | null;
}

const UPLOAD_PATH = '/api/upload';

/** The creation of one piece of a file sent in pieces. */
export const isPiece = (e: TusExchange) => e.method === 'POST' && e.concat === 'partial';
/** The creation of the upload that joins a file's pieces. */
export const isFinal = (e: TusExchange) => e.method === 'POST' && (e.concat ?? '').startsWith('final;');

/**
 * Records, from the browser's side, every request the dashboard sends to the
 * tus endpoint: what was asked (method, Upload-Offset) and what came back.
 * Observing here disturbs nothing, unlike asking the server with HEAD (which
 * would steal the running upload's lock).
 */
export class TusTraffic {
  private readonly exchanges: TusExchange[] = [];
  private readonly byRequest = new Map<Request, TusExchange>();
  private readonly waiters = new Set<() => void>();
  private pageLoad = 0;

  constructor(page: Page) {
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.pageLoad += 1;
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!url.pathname.startsWith(UPLOAD_PATH) || request.method() === 'GET' || request.method() === 'OPTIONS') return;
      const exchange: TusExchange = {
        seq: this.exchanges.length,
        method: request.method(),
        url: request.url(),
        uploadId: uploadIdOf(url.pathname),
        pageLoad: this.pageLoad,
        requestOffset: numberOrNull(request.headers()['upload-offset']),
        concat: request.headers()['upload-concat'] ?? null,
        status: null,
        responseOffset: null,
        failed: false,
        createdId: null,
      };
      this.exchanges.push(exchange);
      this.byRequest.set(request, exchange);
      this.notify();
    });
    page.on('response', (response) => {
      const exchange = this.byRequest.get(response.request());
      if (!exchange) return;
      exchange.status = response.status();
      exchange.responseOffset = numberOrNull(response.headers()['upload-offset']);
      const location = response.headers()['location'];
      if (exchange.method === 'POST' && location) exchange.createdId = uploadIdOf(new URL(location, exchange.url).pathname);
      this.notify();
    });
    page.on('requestfailed', (request) => {
      const exchange = this.byRequest.get(request);
      if (!exchange) return;
      exchange.failed = true;
      this.notify();
    });
  }

  /** A copy of everything recorded so far, in the order the browser sent it. */
  all(): TusExchange[] {
    return this.exchanges.map((exchange) => ({ ...exchange }));
  }

  /** Exchanges concerning one upload (its POST is found by the Location it was answered with). */
  forUpload(uploadId: string): TusExchange[] {
    return this.all().filter((exchange) => exchange.uploadId === uploadId);
  }

  posts(): TusExchange[] {
    return this.all().filter((exchange) => exchange.method === 'POST');
  }

  /** Resolves with the first exchange (old or new) that matches, as soon as it does. */
  waitFor(match: (exchange: TusExchange) => boolean, timeoutMs: number, what: string): Promise<TusExchange> {
    return this.waitUntil(() => this.all().find(match), timeoutMs, what);
  }

  /** Resolves with the matching exchanges (old or new) as soon as there are `count` of them. */
  waitForCount(match: (exchange: TusExchange) => boolean, count: number, timeoutMs: number, what: string): Promise<TusExchange[]> {
    return this.waitUntil(
      () => {
        const found = this.all().filter(match);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      what,
    );
  }

  private waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; tus traffic so far:\n${this.describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** One line per exchange, for failure messages. */
  describe(): string {
    return this.exchanges
      .map(
        (e) =>
          `#${e.seq} load ${e.pageLoad} ${e.method} ${e.uploadId ?? '(create)'}${e.concat ? ` concat ${e.concat}` : ''} offset ${e.requestOffset ?? '-'} -> ` +
          (e.failed ? 'failed' : `${e.status ?? 'pending'} offset ${e.responseOffset ?? '-'}`),
      )
      .join('\n');
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function uploadIdOf(pathname: string): string | null {
  const rest = pathname.slice(UPLOAD_PATH.length).replace(/^\/|\/$/g, '');
  return rest === '' ? null : decodeURIComponent(rest);
}

function numberOrNull(value: string | undefined): number | null {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}
