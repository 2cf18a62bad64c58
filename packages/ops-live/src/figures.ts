// The figures of one point on the live operations page and how each is computed: rates and error
// ratios over a short window, percentiles over a longer one, queue depths and worker load as read.
import { CHAT_METRICS, IMAGE_METRICS, QUEUE_METRICS, type QueueState } from '@switchyard/metrics';
import type { PublishedSnapshot } from '@switchyard/ops-snapshots';
import { IMAGE_INGEST_QUEUE } from '@switchyard/queues';
import { quantileFromBuckets } from './histogram-quantile.ts';
import { bucketIncrease, increase, type TotalsState } from './series-totals.ts';

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface QueueFigures {
  name: string;
  /** Jobs by state, read from BullMQ at the tick. */
  jobs: Record<QueueState, number>;
  /** Workers connected to the queue. */
  workers: number;
  /** Enqueue → first start, seconds, over the percentile window. */
  wait: Percentiles;
  /** Jobs finished (completed or failed for good) per second, over the rate window. */
  finishedPerSecond: number | null;
}

export interface ProcessFigures {
  id: string;
  component: string;
  /** Worker load: present for worker processes. */
  queue?: string;
  active?: number;
  concurrency?: number;
}

export interface OpsPoint {
  /** Redis server time of the tick (ms). */
  t: number;
  /** The spans the figures cover (shorter while the hub has less history). */
  rateWindowSeconds: number;
  percentileWindowSeconds: number;
  runs: {
    /** Runs that ended (any outcome) per second. */
    perSecond: number | null;
    /** Failed runs / ended runs; null when none ended. */
    errorRate: number | null;
    cancelledPerSecond: number | null;
  };
  /** Time to first SSE event at the gateways, seconds. */
  ttfe: Percentiles;
  ingest: {
    /** Upstream image frame → URL event in the run log, seconds (recorded by generation workers). */
    latency: Percentiles;
    /** Ingest jobs finished per second. */
    perSecond: number | null;
    /** Ingest jobs failed for good / finished; null when none finished. */
    errorRate: number | null;
    rejectsPerSecond: number | null;
  };
  queues: QueueFigures[];
  processes: ProcessFigures[];
}

/** Totals at a past tick, the base of a window. */
export interface WindowBase {
  t: number;
  state: TotalsState;
}

export interface QueueReading {
  name: string;
  jobs: Record<QueueState, number>;
  workers: number;
}

export interface PointInputs {
  t: number;
  now: TotalsState;
  rateBase: WindowBase;
  percentileBase: WindowBase;
  queues: readonly QueueReading[];
  snapshots: readonly PublishedSnapshot[];
}

const RUN_COUNT = `${CHAT_METRICS.runDuration.name}_count`;
const PROCESSING_COUNT = `${QUEUE_METRICS.processingTime.name}_count`;

function percentiles(now: TotalsState, then: TotalsState, histogram: string, subset: Record<string, string> = {}): Percentiles {
  const buckets = bucketIncrease(now, then, histogram, subset);
  return { p50: quantileFromBuckets(buckets, 0.5), p95: quantileFromBuckets(buckets, 0.95), p99: quantileFromBuckets(buckets, 0.99) };
}

/** Per second over `seconds`; null when the window is empty (the first tick). */
export function perSecond(count: number, seconds: number): number | null {
  return seconds > 0 ? count / seconds : null;
}

/** part / whole, null when nothing happened. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

export function computePoint(inputs: PointInputs): OpsPoint {
  const { now } = inputs;
  const rateThen = inputs.rateBase.state;
  const rateSeconds = Math.max(0, (inputs.t - inputs.rateBase.t) / 1000);
  const pctThen = inputs.percentileBase.state;
  const rate = (name: string, subset: Record<string, string> = {}) => increase(now, rateThen, name, subset);

  const ended = rate(RUN_COUNT);
  const ingestDone = rate(PROCESSING_COUNT, { queue: IMAGE_INGEST_QUEUE, outcome: 'completed' });
  const ingestFailed = rate(PROCESSING_COUNT, { queue: IMAGE_INGEST_QUEUE, outcome: 'failed' });
  return {
    t: inputs.t,
    rateWindowSeconds: rateSeconds,
    percentileWindowSeconds: Math.max(0, (inputs.t - inputs.percentileBase.t) / 1000),
    runs: {
      perSecond: perSecond(ended, rateSeconds),
      errorRate: ratio(rate(RUN_COUNT, { outcome: 'failed' }), ended),
      cancelledPerSecond: perSecond(rate(RUN_COUNT, { outcome: 'cancelled' }), rateSeconds),
    },
    ttfe: percentiles(now, pctThen, CHAT_METRICS.timeToFirstEvent.name),
    ingest: {
      latency: percentiles(now, pctThen, IMAGE_METRICS.ingestLatency.name),
      perSecond: perSecond(ingestDone + ingestFailed, rateSeconds),
      errorRate: ratio(ingestFailed, ingestDone + ingestFailed),
      rejectsPerSecond: perSecond(rate(IMAGE_METRICS.rejects.name), rateSeconds),
    },
    queues: inputs.queues.map((q) => ({
      name: q.name,
      jobs: q.jobs,
      workers: q.workers,
      wait: percentiles(now, pctThen, QUEUE_METRICS.waitTime.name, { queue: q.name }),
      finishedPerSecond: perSecond(
        rate(PROCESSING_COUNT, { queue: q.name, outcome: 'completed' }) + rate(PROCESSING_COUNT, { queue: q.name, outcome: 'failed' }),
        rateSeconds,
      ),
    })),
    processes: inputs.snapshots
      .map((s) => ({
        id: s.id,
        component: s.component,
        ...(s.load ? { queue: s.load.queue, active: s.load.active, concurrency: s.load.concurrency } : {}),
      }))
      .sort((a, b) => (a.component === b.component ? (a.id < b.id ? -1 : 1) : a.component < b.component ? -1 : 1)),
  };
}
