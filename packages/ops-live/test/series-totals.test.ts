// Cluster totals from per-process snapshots: each process is differenced against itself, so
// processes joining, leaving and restarting never read as negative or bursty rates.
import type { PublishedSnapshot, Sample } from '@switchyard/ops-snapshots';
import { describe, expect, it } from 'vitest';
import { bucketIncrease, increase, SeriesTotals } from '../src/series-totals.ts';

const RUNS = 'switchyard_run_duration_seconds_count';
const snap = (id: string, samples: Sample[]): PublishedSnapshot => ({ v: 1, id, component: 'generation-worker', samples, at: 0 });
const runs = (completed: number, failed = 0): Sample[] => [
  [RUNS, { outcome: 'completed' }, completed],
  [RUNS, { outcome: 'failed' }, failed],
];

describe('SeriesTotals', () => {
  it('takes a process seen for the first time as a baseline and sums later increases across processes', () => {
    const totals = new SeriesTotals();
    totals.add([snap('a', runs(100)), snap('b', runs(7))]);
    const start = totals.state();
    totals.add([snap('a', runs(103, 1)), snap('b', runs(9))]);
    expect(increase(totals.state(), start, RUNS)).toBe(6);
    expect(increase(totals.state(), start, RUNS, { outcome: 'failed' })).toBe(1);
  });

  it('does not go backwards when a process leaves, and baselines a newcomer', () => {
    const totals = new SeriesTotals();
    totals.add([snap('a', runs(10)), snap('b', runs(10))]);
    const start = totals.state();
    totals.add([snap('a', runs(12))]); // b stopped
    totals.add([snap('a', runs(13)), snap('c', runs(50))]); // c joined with history the page never saw
    totals.add([snap('a', runs(13)), snap('c', runs(51))]);
    expect(increase(totals.state(), start, RUNS)).toBe(4);
  });

  it('reads a value below the previous one as a counter reset', () => {
    const totals = new SeriesTotals();
    totals.add([snap('a', runs(10))]);
    const start = totals.state();
    totals.add([snap('a', runs(2))]);
    expect(increase(totals.state(), start, RUNS)).toBe(2);
  });

  it('counts a series that first appears after the baseline from zero', () => {
    const totals = new SeriesTotals();
    totals.add([snap('a', [])]);
    const start = totals.state();
    totals.add([snap('a', [[RUNS, { outcome: 'cancelled' }, 3]])]);
    expect(increase(totals.state(), start, RUNS, { outcome: 'cancelled' })).toBe(3);
  });

  it('keeps states it handed out unchanged', () => {
    const totals = new SeriesTotals();
    totals.add([snap('a', runs(1))]);
    const start = totals.state();
    totals.add([snap('a', runs(5))]);
    expect(increase(start, new Map(), RUNS)).toBe(0);
  });
});

describe('bucketIncrease', () => {
  it('sums bucket increases by bound over matching label sets, sorted, with +Inf last', () => {
    const wait = (queue: string, counts: [string, number][]): Sample[] =>
      counts.map(([le, n]) => ['switchyard_queue_wait_seconds_bucket', { queue, le }, n]);
    const totals = new SeriesTotals();
    totals.add([
      snap('a', [
        ...wait('runs', [
          ['0.1', 1],
          ['+Inf', 1],
        ]),
        ...wait('image-ingest', [
          ['0.1', 0],
          ['+Inf', 0],
        ]),
      ]),
    ]);
    const start = totals.state();
    totals.add([
      snap('a', [
        ...wait('runs', [
          ['+Inf', 5],
          ['0.1', 3],
        ]),
        ...wait('image-ingest', [
          ['0.1', 4],
          ['+Inf', 4],
        ]),
      ]),
    ]);
    expect(bucketIncrease(totals.state(), start, 'switchyard_queue_wait_seconds', { queue: 'runs' })).toEqual([
      { le: 0.1, count: 2 },
      { le: Infinity, count: 4 },
    ]);
    expect(bucketIncrease(totals.state(), start, 'switchyard_queue_wait_seconds')).toEqual([
      { le: 0.1, count: 6 },
      { le: Infinity, count: 8 },
    ]);
  });
});
