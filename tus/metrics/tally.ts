import { Counter, type Registry } from 'prom-client';

/** One count of a counter, for one set of label values. */
export interface Tally {
  value: number;
}

/**
 * A Prometheus counter whose counts are plain numbers, one per set of label
 * values, handed to prom-client only when it is scraped. prom-client's own
 * `inc` hashes and validates the labels on every call (its children too);
 * here a request pays one Map lookup and an addition, and a tally kept by
 * the caller not even the lookup.
 */
export class Tallies<Label extends string> {
  private readonly tallies = new Map<string, { labels: Record<Label, string>; tally: Tally }>();

  constructor(registry: Registry, name: string, help: string, labelNames: readonly Label[]) {
    const tallies = this.tallies;
    new Counter<Label>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, tally } of tallies.values()) this.inc(labels, tally.value);
      },
    });
  }

  /** The tally of one set of label values; `key` names it uniquely (the values joined). */
  of(key: string, labels: () => Record<Label, string>): Tally {
    let entry = this.tallies.get(key);
    if (entry === undefined) {
      entry = { labels: labels(), tally: { value: 0 } };
      this.tallies.set(key, entry);
    }
    return entry.tally;
  }

  /** Shown at 0 before anything happened, so a dashboard's rate() has a start (tusd does the same for hooks). */
  show(key: string, labels: Record<Label, string>): void {
    this.of(key, () => labels);
  }
}

/** A counter without labels: one tally, read when scraped. */
export function singleTally(registry: Registry, name: string, help: string): Tally {
  return new Tallies<never>(registry, name, help, []).of('', () => ({}));
}
