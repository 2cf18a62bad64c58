// The autoscaling signal of a worker pool: demand (waiting + prioritized + active jobs) over the
// pool's capacity (connected workers × concurrency per worker). 1.0 means every slot is busy and
// nothing waits; KEDA scales the pool to keep it near its target.
import type { Registry } from 'prom-client';
import { gauge, type LabeledGauge, type MetricDefinition } from './metric-kit.ts';

export const AUTOSCALING_METRICS = {
  utilization: {
    name: 'switchyard_worker_pool_utilization',
    type: 'gauge',
    help: '(waiting + prioritized + active jobs) / (connected workers × concurrency per worker); with no worker connected, the demand over one worker.',
    labelNames: ['queue'],
  },
} as const satisfies Record<string, MetricDefinition>;

export interface AutoscalingMetrics {
  utilization: LabeledGauge<{ queue: string }>;
}

export function registerAutoscalingMetrics(registry: Registry): AutoscalingMetrics {
  return { utilization: gauge(registry, AUTOSCALING_METRICS.utilization) };
}

export interface PoolDemand {
  waiting: number;
  prioritized: number;
  active: number;
}

/**
 * Demand over capacity. With no worker connected the demand is measured against one worker, so a
 * backlog still reads as > 1 and the autoscaler adds workers instead of dividing by zero.
 */
export function poolUtilization(demand: PoolDemand, workers: number, capacityPerWorker: number): number {
  if (!(capacityPerWorker > 0)) throw new RangeError(`capacityPerWorker must be > 0, got ${capacityPerWorker}`);
  const jobs = demand.waiting + demand.prioritized + demand.active;
  return jobs / (Math.max(1, workers) * capacityPerWorker);
}
