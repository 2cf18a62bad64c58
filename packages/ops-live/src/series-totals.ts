// Cluster-wide running totals of counter and histogram series, built from per-process snapshots by
// differencing each process against its own previous snapshot, and the window queries over them.
//
// Why not prom-client's AggregatorRegistry.aggregate(): it sums the processes' totals, and totals
// summed over a changing set of processes do not difference cleanly (a worker stopping would read as
// a negative rate, a new one as a burst of everything it did before the page saw it). Differencing
// per process and summing the increases gives totals that only grow, whatever processes come and go.
import type { PublishedSnapshot } from '@switchyard/ops-snapshots';
import type { CumulativeBucket } from './histogram-quantile.ts';

export interface Series {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** The totals at one tick: series key → series. */
export type TotalsState = ReadonlyMap<string, Series>;

function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

export class SeriesTotals {
  private readonly previous = new Map<string, Map<string, number>>();
  private readonly totals = new Map<string, Series>();

  /**
   * Adds one tick's live snapshots. A process seen for the first time is a baseline (what it counted
   * before is not attributed to this tick); a value below the previous one is a counter reset, so the
   * whole value is new. Processes missing from `snapshots` are forgotten.
   */
  add(snapshots: readonly PublishedSnapshot[]): void {
    const seen = new Set<string>();
    for (const snap of snapshots) {
      seen.add(snap.id);
      const before = this.previous.get(snap.id);
      const now = new Map<string, number>();
      for (const [name, labels, value] of snap.samples) {
        const key = seriesKey(name, labels);
        now.set(key, value);
        const total = this.totals.get(key);
        if (!total) this.totals.set(key, { name, labels: { ...labels }, value: 0 });
        if (!before) continue;
        const last = before.get(key) ?? 0; // a series first reported now started from zero
        const increase = value >= last ? value - last : value;
        if (increase > 0) this.totals.get(key)!.value += increase;
      }
      this.previous.set(snap.id, now);
    }
    for (const id of [...this.previous.keys()]) if (!seen.has(id)) this.previous.delete(id);
  }

  /** A copy of the current totals, to keep for window queries. */
  state(): TotalsState {
    const copy = new Map<string, Series>();
    for (const [key, s] of this.totals) copy.set(key, { name: s.name, labels: s.labels, value: s.value });
    return copy;
  }
}

function matches(labels: Readonly<Record<string, string>>, subset: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(subset)) if (labels[k] !== v) return false;
  return true;
}

/** How much the series named `name` whose labels include `subset` grew between two states. */
export function increase(now: TotalsState, then: TotalsState, name: string, subset: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const [key, s] of now) {
    if (s.name !== name || !matches(s.labels, subset)) continue;
    sum += s.value - (then.get(key)?.value ?? 0);
  }
  return sum;
}

/** The histogram `base`'s bucket increases between two states, summed over matching label sets. */
export function bucketIncrease(
  now: TotalsState,
  then: TotalsState,
  base: string,
  subset: Readonly<Record<string, string>> = {},
): CumulativeBucket[] {
  const byLe = new Map<number, number>();
  const name = `${base}_bucket`;
  for (const [key, s] of now) {
    if (s.name !== name || !matches(s.labels, subset) || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value - (then.get(key)?.value ?? 0));
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}
