// Quantiles from cumulative buckets: Prometheus' interpolation, checked on examples and, with
// fast-check, against the exact quantile of random observations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantileFromBuckets, type CumulativeBucket } from '../src/histogram-quantile.ts';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function bucketsOf(values: readonly number[], bounds: readonly number[] = BOUNDS): CumulativeBucket[] {
  return [...bounds, Infinity].map((le) => ({ le, count: values.filter((v) => v <= le).length }));
}

describe('quantileFromBuckets', () => {
  it('is null when nothing was observed', () => {
    expect(quantileFromBuckets(bucketsOf([]), 0.5)).toBeNull();
    expect(quantileFromBuckets([], 0.99)).toBeNull();
  });

  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 10 observations, all in (0.1, 0.25]: the median is halfway through that bucket.
    expect(quantileFromBuckets(bucketsOf(Array(10).fill(0.2)), 0.5)).toBeCloseTo(0.175, 10);
    // The first bucket starts at 0.
    expect(
      quantileFromBuckets(
        [
          { le: 1, count: 4 },
          { le: Infinity, count: 4 },
        ],
        0.5,
      ),
    ).toBeCloseTo(0.5, 10);
  });

  it('answers the largest finite bound for a rank in the +Inf bucket', () => {
    expect(quantileFromBuckets(bucketsOf([1, 100, 200, 300]), 0.99)).toBe(10);
  });

  it('accepts unsorted buckets and treats decreasing counts as their running maximum', () => {
    const sorted = bucketsOf([0.02, 0.3, 0.7]);
    expect(quantileFromBuckets([...sorted].reverse(), 0.5)).toBe(quantileFromBuckets(sorted, 0.5));
    expect(
      quantileFromBuckets(
        [
          { le: 1, count: 5 },
          { le: 2, count: 3 },
          { le: Infinity, count: 5 },
        ],
        0.5,
      ),
    ).toBeCloseTo(0.5, 10);
  });

  it('refuses quantiles outside (0, 1]', () => {
    expect(() => quantileFromBuckets(bucketsOf([1]), 0)).toThrow(RangeError);
    expect(() => quantileFromBuckets(bucketsOf([1]), 1.5)).toThrow(RangeError);
  });

  const observations = fc.array(fc.double({ min: 0, max: 12, noNaN: true }), { minLength: 1, maxLength: 200 });
  const quantile = fc.double({ min: 0.001, max: 1, noNaN: true });

  it('lands in the same bucket as the exact quantile of the observations', () => {
    fc.assert(
      fc.property(observations, quantile, (values, q) => {
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
        const estimate = quantileFromBuckets(bucketsOf(values), q)!;
        const upper = BOUNDS.find((b) => exact <= b);
        if (upper === undefined) {
          expect(estimate).toBe(BOUNDS.at(-1));
          return;
        }
        const lower = BOUNDS[BOUNDS.indexOf(upper) - 1] ?? 0;
        expect(estimate).toBeGreaterThanOrEqual(lower - 1e-12);
        expect(estimate).toBeLessThanOrEqual(upper + 1e-12);
      }),
    );
  });

  it('never decreases as the quantile grows', () => {
    fc.assert(
      fc.property(observations, quantile, quantile, (values, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const buckets = bucketsOf(values);
        expect(quantileFromBuckets(buckets, lo)!).toBeLessThanOrEqual(quantileFromBuckets(buckets, hi)! + 1e-12);
      }),
    );
  });
});
