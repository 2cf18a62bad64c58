// Queue metrics for every BullMQ queue: job counts by state (set by the queue watcher), connected
// workers, wait time (enqueue → start) and processing time by outcome (recorded from worker events),
// stalled and retried counts. Labelled by queue name only.
import type { Registry } from 'prom-client';
import {
  counter,
  gauge,
  histogram,
  type LabeledCounter,
  type LabeledGauge,
  type LabeledHistogram,
  type MetricDefinition,
} from './metric-kit.ts';

/** The job states the gauges report (BullMQ `getJobCounts` types). */
export type QueueState = 'waiting' | 'prioritized' | 'delayed' | 'active' | 'failed';
export const QUEUE_STATES: readonly QueueState[] = ['waiting', 'prioritized', 'delayed', 'active', 'failed'];

/** How one processing attempt ended: completed, failed for good, or failed and going to be retried. */
export type JobOutcome = 'completed' | 'failed' | 'retried';
export const JOB_OUTCOMES: readonly JobOutcome[] = ['completed', 'failed', 'retried'];

/** Enqueue → start is 1–4 ms p99 at light load (docs/benchmarks.md); a backlog is seconds to minutes. */
const WAIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
/** Ingest jobs take milliseconds to seconds; runs seconds to many minutes. */
const PROCESSING_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

export const QUEUE_METRICS = {
  jobs: {
    name: 'switchyard_queue_jobs',
    type: 'gauge',
    help: 'Jobs in a queue by state (waiting, prioritized, delayed, active, failed), polled from Redis.',
    labelNames: ['queue', 'state'],
  },
  workers: {
    name: 'switchyard_queue_workers',
    type: 'gauge',
    help: 'Workers connected to a queue, polled from Redis.',
    labelNames: ['queue'],
  },
  waitTime: {
    name: 'switchyard_queue_wait_seconds',
    type: 'histogram',
    help: 'Time from a job being enqueued (or its delay ending) to a worker first starting it.',
    labelNames: ['queue'],
    buckets: WAIT_BUCKETS,
  },
  processingTime: {
    name: 'switchyard_job_processing_seconds',
    type: 'histogram',
    help: 'Time one processing attempt took, by outcome (completed, failed for good, retried).',
    labelNames: ['queue', 'outcome'],
    buckets: PROCESSING_BUCKETS,
  },
  stalled: {
    name: 'switchyard_jobs_stalled_total',
    type: 'counter',
    help: 'Jobs found stalled (their worker stopped renewing the lock) and handed back to the queue.',
    labelNames: ['queue'],
  },
  retried: {
    name: 'switchyard_jobs_retried_total',
    type: 'counter',
    help: 'Failed job attempts that BullMQ will retry.',
    labelNames: ['queue'],
  },
} as const satisfies Record<string, MetricDefinition>;

export interface QueueMetrics {
  jobs: LabeledGauge<{ queue: string; state: QueueState }>;
  workers: LabeledGauge<{ queue: string }>;
  waitTime: LabeledHistogram<{ queue: string }>;
  processingTime: LabeledHistogram<{ queue: string; outcome: JobOutcome }>;
  stalled: LabeledCounter<{ queue: string }>;
  retried: LabeledCounter<{ queue: string }>;
}

export function registerQueueMetrics(registry: Registry): QueueMetrics {
  const d = QUEUE_METRICS;
  return {
    jobs: gauge(registry, d.jobs),
    workers: gauge(registry, d.workers),
    waitTime: histogram(registry, d.waitTime),
    processingTime: histogram(registry, d.processingTime),
    stalled: counter(registry, d.stalled),
    retried: counter(registry, d.retried),
  };
}
