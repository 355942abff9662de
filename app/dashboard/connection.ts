/**
 * Whether the upload server can be reached, as the dashboard sees it.
 *
 * - `connected`: requests go through.
 * - `lost`: the browser is offline, or a request failed without an answer
 *   from the server (or with 502, 503 or 504, a proxy's or a restarting
 *   server's). The server is probed with OPTIONS, backing off to every 10 s;
 *   `retryAt` says when the next probe goes out.
 * - `resuming`: the server answered a probe; held requests go out, and bytes
 *   have not reached it yet.
 * - `reconnected`: bytes reached the server again, within the last few
 *   seconds (then `connected`).
 */
export type ConnectionState = { kind: 'connected' } | { kind: 'lost'; retryAt: number } | { kind: 'resuming' } | { kind: 'reconnected' };

/** Waits between probes while the server cannot be reached: quick at first, then every 10 s. */
const PROBE_DELAYS_MS = [1_000, 2_000, 3_000, 5_000, 8_000, 10_000];
/** A probe that gets no answer by then counts as failed (a black hole, not only a refusal). */
const PROBE_TIMEOUT_MS = 5_000;
/** How long "Reconnected" stays once bytes flow again. */
const RECONNECTED_SHOWN_MS = 4_000;
/** With nothing to send after the server answered, `resuming` ends after this long. */
const RESUMING_AT_MOST_MS = 15_000;

type Listener = (state: ConnectionState) => void;

export class ConnectionWatch {
  private current: ConnectionState = { kind: 'connected' };
  private readonly listeners = new Set<Listener>();
  /** Requests held until the server answers again. */
  private readonly held = new Set<() => void>();
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private probes = 0;
  private readonly onOffline = () => this.lost();
  private readonly onOnline = () => this.probeSoon(0);

  /** @param endpoint the tus endpoint, which answers OPTIONS without credentials */
  constructor(private readonly endpoint: string) {
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    if (!navigator.onLine) this.lost();
  }

  get state(): ConnectionState {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A request failed in a way that says the server is out of reach: hold every request until it answers a probe. */
  lost(): void {
    if (this.current.kind === 'lost') return;
    clearTimeout(this.settleTimer);
    this.probes = 0;
    this.set({ kind: 'lost', retryAt: Date.now() });
    this.probeSoon(navigator.onLine ? PROBE_DELAYS_MS[0] : null);
  }

  /** Bytes reached the server. */
  progressed(): void {
    if (this.current.kind === 'connected' || this.current.kind === 'reconnected') return;
    // Chromium lets a request already sending finish after it goes offline: that says nothing of the next one.
    if (!navigator.onLine) return;
    // A request already on the wire may get through before the probe: its bytes are answer enough.
    if (this.current.kind === 'lost') this.reachable();
    this.set({ kind: 'reconnected' });
    this.settleIn(RECONNECTED_SHOWN_MS);
  }

  /** Resolves at once while the server is reachable, else once it answers a probe. */
  whenReachable(): Promise<void> {
    if (this.current.kind !== 'lost') return Promise.resolve();
    return new Promise((resolve) => this.held.add(resolve));
  }

  /** Schedules the next probe in `delayMs`; null: wait for the browser's `online` event. */
  private probeSoon(delayMs: number | null): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    if (this.current.kind !== 'lost') return;
    if (delayMs === null) {
      this.set({ ...this.current, retryAt: Number.POSITIVE_INFINITY });
      return;
    }
    this.set({ ...this.current, retryAt: Date.now() + delayMs });
    this.probeTimer = setTimeout(() => void this.probe(), delayMs);
  }

  private async probe(): Promise<void> {
    if (this.current.kind !== 'lost') return;
    let answered = false;
    try {
      const response = await fetch(this.endpoint, {
        method: 'OPTIONS',
        cache: 'no-store',
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      answered = response.status < 500;
    } catch {
      answered = false;
    }
    if (this.current.kind !== 'lost') return;
    if (answered) {
      this.reachable();
      return;
    }
    this.probes += 1;
    this.probeSoon(navigator.onLine ? PROBE_DELAYS_MS[Math.min(this.probes, PROBE_DELAYS_MS.length - 1)] : null);
  }

  private reachable(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.set({ kind: 'resuming' });
    this.settleIn(RESUMING_AT_MOST_MS);
    const held = [...this.held];
    this.held.clear();
    for (const release of held) release();
  }

  /** Back to `connected` in `ms`, unless the connection is lost again before. */
  private settleIn(ms: number): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      if (this.current.kind === 'resuming' || this.current.kind === 'reconnected') this.set({ kind: 'connected' });
    }, ms);
  }

  private set(state: ConnectionState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}
