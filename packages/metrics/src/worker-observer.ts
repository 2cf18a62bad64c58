// Records one BullMQ worker's job lifecycle: wait time when a job first starts (enqueue, or the end
// of its delay, → start), processing time of every attempt by outcome, retried attempts, and stalled
// jobs this worker's stall checker found. Returns a function that removes the listeners.
import type { Job, Worker } from 'bullmq';
import { JOB_OUTCOMES } from './queues.ts';
import type { SwitchyardMetrics } from './registry.ts';

/** The structural slice of a BullMQ Worker this needs (any job data and result types). */
type ObservableWorker = Pick<Worker, 'on' | 'off'>;

function isUnrecoverable(err: Error | undefined): boolean {
  return err?.name === 'UnrecoverableError';
}

/** Wait of a job's first start; later starts (retries, stall recovery) are not queue waits. */
export function firstStartWaitSeconds(job: Pick<Job, 'processedOn' | 'timestamp' | 'delay' | 'attemptsStarted'>): number | null {
  if (job.processedOn === undefined || job.attemptsStarted > 1) return null;
  return Math.max(0, job.processedOn - job.timestamp - (job.delay ?? 0)) / 1000;
}

export function observeWorker(worker: ObservableWorker, handles: Pick<SwitchyardMetrics, 'queues'>, queueName: string): () => void {
  const m = handles.queues;
  const queue = queueName;
  // Start every series of this queue at zero so increase() and rate() work from the first scrape.
  m.stalled.inc({ queue }, 0);
  m.retried.inc({ queue }, 0);
  m.waitTime.zero({ queue });
  for (const outcome of JOB_OUTCOMES) m.processingTime.zero({ queue, outcome });

  const attemptSeconds = (job: Job) =>
    job.processedOn === undefined ? null : Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000;

  const onActive = (job: Job) => {
    const wait = firstStartWaitSeconds(job);
    if (wait !== null) m.waitTime.observe({ queue }, wait);
  };
  const onCompleted = (job: Job) => {
    const s = attemptSeconds(job);
    if (s !== null) m.processingTime.observe({ queue, outcome: 'completed' }, s);
  };
  const onFailed = (job: Job | undefined, err: Error) => {
    if (!job) return; // a job failed by the stall checker and already removed: nothing to time
    // BullMQ sets finishedOn only when the failure is final; a retried attempt goes back to the queue.
    const retrying = job.finishedOn === undefined && !isUnrecoverable(err) && job.attemptsMade < (job.opts.attempts ?? 1);
    if (retrying) m.retried.inc({ queue });
    const s = attemptSeconds(job);
    if (s !== null) m.processingTime.observe({ queue, outcome: retrying ? 'retried' : 'failed' }, s);
  };
  const onStalled = () => {
    m.stalled.inc({ queue });
  };

  worker.on('active', onActive);
  worker.on('completed', onCompleted);
  worker.on('failed', onFailed);
  worker.on('stalled', onStalled);
  return () => {
    worker.off('active', onActive);
    worker.off('completed', onCompleted);
    worker.off('failed', onFailed);
    worker.off('stalled', onStalled);
  };
}
