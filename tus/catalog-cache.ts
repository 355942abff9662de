import type { CatalogEntry, CompletedUpload } from './catalog';

/** Which uploads a listing shows. */
export interface CatalogFilter {
  /** Only the uploads of this owner (access control); undefined lists everyone's (open mode). */
  owner?: string;
}

/**
 * The catalog of completed uploads, kept in memory between requests. Reading
 * it means reading every upload's info file: about 2 s for 10,000 uploads,
 * on every view of /uploads. The engine calls `invalidate()` whenever an
 * upload is created, finished or deleted, so a listing never misses a change
 * made through this process.
 *
 * Only where this process is the one writer (a folder, no Redis): with
 * several instances, another one's uploads would not invalidate it, so it
 * then reads the store every time.
 */
export class CatalogCache {
  private generation = 0;
  private cached: { generation: number; entries: Promise<CatalogEntry[]> } | null = null;

  constructor(
    private readonly read: () => Promise<CatalogEntry[]>,
    private readonly enabled: boolean,
  ) {}

  invalidate(): void {
    this.generation += 1;
    this.cached = null;
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
    this.cached = cached;
    // A failed read (storage outage) is answered, not remembered.
    cached.entries.catch(() => {
      if (this.cached === cached) this.cached = null;
    });
    return cached.entries;
  }
}
