import { newestFirst, type CatalogEntry, type CompletedUpload } from './catalog';

/** Which uploads a listing shows. */
export interface CatalogFilter {
  /** Only the uploads of this owner (access control); undefined lists everyone's (open mode). */
  owner?: string;
}

/**
 * The catalog of completed uploads, kept in memory between requests. Reading
 * it means reading every upload's info file: 1.5 to 2.5 s for 10,000 uploads,
 * on every view of /uploads. The engine calls `refresh(id)` whenever an upload
 * is created, finished or deleted, before that request is answered, so a
 * listing never misses a change made through this process, and re-reads just
 * that upload, so a busy server does not read them all again after each file.
 *
 * Only where this process is the one writer (a folder, no Redis): with
 * several instances, another one's uploads would not refresh it, so it then
 * reads the store every time.
 */
export class CatalogCache {
  private generation = 0;
  private cached: { generation: number; entries: Promise<CatalogEntry[]> } | null = null;

  constructor(
    private readonly read: () => Promise<CatalogEntry[]>,
    private readonly readOne: (id: string) => Promise<CatalogEntry | null>,
    private readonly enabled: boolean,
  ) {}

  /** Forget everything: the next listing reads the whole store. */
  invalidate(): void {
    this.generation += 1;
    this.cached = null;
  }

  /**
   * Upload `id` changed: the next listing has it as it is now (listed,
   * changed, or gone). Chained on the cached listing, so a listing asked for
   * after this call waits for it, and refreshes apply in the order they came;
   * a full read still under way is corrected the same way.
   */
  refresh(id: string): void {
    const before = this.cached;
    if (before === null) return;
    const after = {
      generation: before.generation,
      entries: before.entries.then(async (entries) => {
        const entry = await this.readOne(id);
        const others = entries.filter((other) => other.upload.id !== id);
        return entry === null ? others : [...others, entry].sort(newestFirst);
      }),
    };
    this.remember(after);
  }

  /** Reads the catalog now, in the background, so the first visitor does not wait for it. */
  warm(): void {
    if (this.enabled) this.entries().catch(() => undefined);
  }

  /** Completed uploads, newest first; with `owner`, only that subject's. */
  async list({ owner }: CatalogFilter = {}): Promise<CompletedUpload[]> {
    const entries = await this.entries();
    return entries.filter((entry) => owner === undefined || entry.owner === owner).map((entry) => entry.upload);
  }

  private entries(): Promise<CatalogEntry[]> {
    if (!this.enabled) return this.read();
    if (this.cached?.generation === this.generation) return this.cached.entries;
    // Requests that arrive while the store is being read share that read; a change during it starts a new generation, so the read it may have missed is not kept.
    const cached = { generation: this.generation, entries: this.read() };
    this.remember(cached);
    return cached.entries;
  }

  private remember(cached: { generation: number; entries: Promise<CatalogEntry[]> }): void {
    this.cached = cached;
    // A failed read (storage outage) is answered, not remembered.
    cached.entries.catch(() => {
      if (this.cached === cached) this.cached = null;
    });
  }
}
