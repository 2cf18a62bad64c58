// One point's figures from totals at two ticks: rates over the rate window, percentiles over the
// percentile window, error ratios, and worker load straight from the snapshots.
import type { PublishedSnapshot, Sample } from '@switchyard/ops-snapshots';
import { describe, expect, it } from 'vitest';
import { computePoint, perSecond, ratio } from '../src/figures.ts';
import { SeriesTotals } from '../src/series-totals.ts';

const jobs = { waiting: 3, prioritized: 0, delayed: 1, active: 2, failed: 0 };

describe('computePoint', () => {
  it('derives rates, error ratios, percentiles and load from two ticks', () => {
    const worker = (completed: number, failed: number, waitFast: number): PublishedSnapshot => ({
      v: 1,
      id: 'host:1',
      component: 'generation-worker',
      at: 0,
      load: { queue: 'runs', active: 2, concurrency: 8 },
      samples: [
        ['switchyard_run_duration_seconds_count', { outcome: 'completed' }, completed],
        ['switchyard_run_duration_seconds_count', { outcome: 'failed' }, failed],
        ['switchyard_queue_wait_seconds_bucket', { queue: 'runs', le: '0.01' }, waitFast],
        ['switchyard_queue_wait_seconds_bucket', { queue: 'runs', le: '+Inf' }, completed + failed],
      ] satisfies Sample[],
    });
    const totals = new SeriesTotals();
    totals.add([worker(0, 0, 0)]);
    const then = { t: 1_000, state: totals.state() };
    totals.add([worker(18, 2, 20)]);
    const point = computePoint({
      t: 11_000,
      now: totals.state(),
      rateBase: then,
      percentileBase: then,
      queues: [{ name: 'runs', jobs, workers: 1 }],
      snapshots: [worker(18, 2, 20)],
    });
    expect(point.rateWindowSeconds).toBe(10);
    expect(point.runs.perSecond).toBe(2);
    expect(point.runs.errorRate).toBeCloseTo(0.1, 10);
    expect(point.queues[0]).toMatchObject({ name: 'runs', jobs, workers: 1 });
    expect(point.queues[0]!.wait.p50).toBeCloseTo(0.005, 10);
    expect(point.ttfe).toEqual({ p50: null, p95: null, p99: null });
    expect(point.ingest.errorRate).toBeNull();
    expect(point.processes).toEqual([{ id: 'host:1', component: 'generation-worker', queue: 'runs', active: 2, concurrency: 8 }]);
  });

  it('has no rates on the first tick', () => {
    const state = new SeriesTotals().state();
    const point = computePoint({ t: 5, now: state, rateBase: { t: 5, state }, percentileBase: { t: 5, state }, queues: [], snapshots: [] });
    expect(point.runs.perSecond).toBeNull();
    expect(point.runs.errorRate).toBeNull();
  });
});

describe('rates and ratios', () => {
  it('are null rather than a division by zero', () => {
    expect(perSecond(5, 0)).toBeNull();
    expect(perSecond(5, 2)).toBe(2.5);
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
  });
});
