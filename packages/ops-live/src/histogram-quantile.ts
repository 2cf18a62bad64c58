// Quantiles estimated from cumulative histogram buckets, the way Prometheus' histogram_quantile()
// does it: find the bucket holding the rank and interpolate linearly inside it.

/** One cumulative bucket: observations ≤ `le` (`Infinity` for the `+Inf` bucket). */
export interface CumulativeBucket {
  le: number;
  count: number;
}

/**
 * The q-quantile (0 < q ≤ 1) of the observations the buckets count, or null when they count none.
 * A rank that falls in the `+Inf` bucket answers the largest finite bound: the histogram cannot say
 * more, and a number the page can chart beats Infinity. Buckets need not be sorted; counts that
 * decrease with `le` (a torn read across processes) are treated as the running maximum.
 */
export function quantileFromBuckets(buckets: readonly CumulativeBucket[], q: number): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  let running = 0;
  const cumulative = sorted.map((b) => ({ le: b.le, count: (running = Math.max(running, b.count)) }));
  const total = cumulative.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  let lower = 0;
  for (const b of cumulative) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      // Prometheus takes 0 as the lower edge of the first bucket (latencies are never negative).
      const from = Math.min(lower, b.le);
      return from + ((b.le - from) * (rank - below)) / (b.count - below);
    }
    below = b.count;
    lower = b.le;
  }
  return lower;
}
