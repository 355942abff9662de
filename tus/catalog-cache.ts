import { newestFirst, type CatalogEntry, type CompletedUpload } from './catalog';

/** Which uploads a listing shows. */
export interface CatalogFilter {
  /** Only the uploads of this owner (access control); undefined lists everyone's (open mode). */
  owner?: string;
}

/** Past this many uploads changed since the last listing, the next one reads the whole store instead. */
const MAX_PENDING = 1_000;

/**
 * The catalog of completed uploads, kept in memory between requests. Reading
 * it means reading every upload's info file: 1.5 to 2.5 s for 10,000 uploads,
 * on every view of /uploads. The engine calls `refresh(id)` whenever an upload
 * is finished or deleted, before that request is answered; the next listing
 * re-reads just the uploads marked so, so a listing never misses a change
 * made through this process, and uploading costs the catalog nothing until
 * someone looks.
 *
 * Only where this process is the one writer (a folder, no Redis): with
 * several instances, another one's uploads would not refresh it, so it then
 * reads the store every time.
 */
export class CatalogCache {
  private generation = 0;
  private cached: { generation: number; entries: Promise<CatalogEntry[]> } | null = null;
  /** Uploads changed since the cached listing was made; re-read by the next listing. */
  private readonly changed = new Set<string>();

  constructor(
    private readonly read: () => Promise<CatalogEntry[]>,
    private readonly readOne: (id: string) => Promise<CatalogEntry | null>,
    private readonly enabled: boolean,
  ) {}

  /** Forget everything: the next listing reads the whole store. */
  invalidate(): void {
    this.generation += 1;
    this.cached = null;
    this.changed.clear();
  }

  /** Upload `id` changed: the next listing has it as it is then (listed, changed, or gone). */
  refresh(id: string): void {
    if (this.cached === null) return;
    this.changed.add(id);
    if (this.changed.size > MAX_PENDING) this.invalidate();
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
    const before = this.cached;
    if (before?.generation === this.generation) {
      if (this.changed.size === 0) return before.entries;
      // Chained on the cached listing: a full read still under way is corrected the same way.
      const ids = [...this.changed];
      this.changed.clear();
      const after = { generation: before.generation, entries: before.entries.then((entries) => this.withChanges(entries, ids)) };
      this.remember(after);
      return after.entries;
    }
    // Requests that arrive while the store is being read share that read; a change during it starts a new generation, so the read it may have missed is not kept.
    this.changed.clear();
    const cached = { generation: this.generation, entries: this.read() };
    this.remember(cached);
    return cached.entries;
  }

  /** The listing with the uploads `ids` read again, each put in its place rather than all sorted again. */
  private async withChanges(entries: CatalogEntry[], ids: string[]): Promise<CatalogEntry[]> {
    const fresh = await Promise.all(ids.map((id) => this.readOne(id)));
    const gone = new Set(ids);
    const next = entries.filter((entry) => !gone.has(entry.upload.id));
    for (const entry of fresh) if (entry !== null) next.splice(placeOf(next, entry), 0, entry);
    return next;
  }

  private remember(cached: { generation: number; entries: Promise<CatalogEntry[]> }): void {
    this.cached = cached;
    // A failed read (storage outage) is answered, not remembered.
    cached.entries.catch(() => {
      if (this.cached === cached) this.cached = null;
    });
  }
}

/** Where `entry` goes in `entries`, which are in the catalog's order (newestFirst). */
function placeOf(entries: readonly CatalogEntry[], entry: CatalogEntry): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (newestFirst(entries[middle], entry) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
