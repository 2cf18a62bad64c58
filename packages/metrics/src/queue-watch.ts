// Polls BullMQ for each watched queue's job counts and connected workers, and sets the queue
// gauges and the pool's autoscaling signal. Run it in one kind of process only (the gateway): every
// replica reports the same cluster-wide numbers, so dashboards and KEDA read them with max().
import type { Queue } from 'bullmq';
import { poolUtilization } from './autoscaling.ts';
import { QUEUE_STATES } from './queues.ts';
import type { SwitchyardMetrics } from './registry.ts';

export interface WatchedQueue {
  name: string;
  queue: Pick<Queue, 'getJobCounts' | 'getWorkersCount'>;
  /** Concurrency of one worker of this pool (WORKER_CONCURRENCY, INGEST_CONCURRENCY). */
  capacityPerWorker: number;
}

export interface QueueWatchOptions {
  /** A poll of one queue failed (Redis unreachable, …); its gauges keep their last values. */
  onError?: (err: unknown, queue: string) => void;
}

export interface QueueWatch {
  /** Polls every queue now (resolves when all are done). */
  poll(): Promise<void>;
  stop(): void;
}

export function watchQueues(
  handles: Pick<SwitchyardMetrics, 'queues' | 'autoscaling'>,
  queues: readonly WatchedQueue[],
  intervalMs: number,
  opts: QueueWatchOptions = {},
): QueueWatch {
  for (const q of queues) {
    if (!(q.capacityPerWorker > 0)) throw new RangeError(`queue ${q.name}: capacityPerWorker must be > 0`);
  }
  const pollOne = async (q: WatchedQueue) => {
    const [counts, workers] = await Promise.all([q.queue.getJobCounts(...QUEUE_STATES), q.queue.getWorkersCount()]);
    const count = (state: string) => counts[state] ?? 0;
    for (const state of QUEUE_STATES) handles.queues.jobs.set({ queue: q.name, state }, count(state));
    handles.queues.workers.set({ queue: q.name }, workers);
    const demand = { waiting: count('waiting'), prioritized: count('prioritized'), active: count('active') };
    handles.autoscaling.utilization.set({ queue: q.name }, poolUtilization(demand, workers, q.capacityPerWorker));
  };
  const poll = async () => {
    await Promise.all(
      queues.map((q) =>
        pollOne(q).catch((err: unknown) => {
          opts.onError?.(err, q.name);
        }),
      ),
    );
  };

  let inFlight: Promise<void> | null = null;
  const tick = () => {
    if (inFlight) return; // a slow Redis never stacks polls
    inFlight = poll().finally(() => {
      inFlight = null;
    });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    poll,
    stop() {
      clearInterval(timer);
    },
  };
}
