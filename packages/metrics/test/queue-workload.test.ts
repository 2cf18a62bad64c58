// The queue metrics after a scripted workload on a private Redis with real BullMQ queues and
// workers: counts of waits, attempts by outcome, retries and stalls match the workload exactly, and
// the polled gauges and the autoscaling signal match the queues' state.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { createQueue, createQueueEvents, createWorker, IMAGE_INGEST_QUEUE, RUNS_QUEUE } from '@switchyard/queues';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { createMetrics, observeWorker, watchQueues, type QueueWatch, type SwitchyardMetrics } from '../src/index.ts';
import { scrape, valueOf, waitFor, type Exposition } from './exposition.ts';

const CRASHING_WORKER = fileURLToPath(new URL('./fixtures/crashing-worker.ts', import.meta.url));

/** Starts a worker process, waits until it is processing a job, then SIGKILLs it (by its pid). */
async function crashWorkerHoldingAJob(redisUrl: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CRASHING_WORKER, redisUrl], {
    cwd: dirname(CRASHING_WORKER),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('started')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`crashing worker exited early (${code})`)));
      setTimeout(() => reject(new Error('crashing worker never started its job')), 30_000).unref();
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

interface Gate {
  promise: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('queue metrics under a scripted BullMQ workload', () => {
  let redis: RedisServerHandle;
  const closers: Array<() => Promise<void>> = [];
  let gatewayMetrics: SwitchyardMetrics;
  let generationMetrics: SwitchyardMetrics;
  let ingestMetrics: SwitchyardMetrics;
  let runs: Queue;
  let ingest: Queue;
  let ingestEvents: QueueEvents;
  let watch: QueueWatch;
  const ingestGate = gate();

  beforeAll(async () => {
    redis = await startRedisServer();
    const conn = { redisUrl: redis.url };
    gatewayMetrics = createMetrics('gateway');
    generationMetrics = createMetrics('generation-worker');
    ingestMetrics = createMetrics('image-ingest-worker');
    runs = createQueue(RUNS_QUEUE, conn);
    ingest = createQueue(IMAGE_INGEST_QUEUE, conn);
    // A generation worker holds QueueEvents on the ingest queue: it must not count as an ingest worker.
    ingestEvents = createQueueEvents(IMAGE_INGEST_QUEUE, conn);
    await ingestEvents.waitUntilReady();
    closers.push(
      () => ingestEvents.close(),
      () => runs.close(),
      () => ingest.close(),
    );

    // 1. A worker process takes a job and is killed without finishing it: its lock is never renewed.
    await runs.add('stall-victim', {});
    await crashWorkerHoldingAJob(redis.url);

    // 2. The observed generation worker: recovers the stalled job, completes 5, fails one after a retry.
    const worker: Worker = createWorker(
      RUNS_QUEUE,
      conn,
      async (job: Job) => {
        if (job.name === 'boom') throw new Error('model exploded');
        await new Promise((r) => setTimeout(r, 5));
        return 'ok';
      },
      { concurrency: 4, lockDurationMs: 1_000, stalledIntervalMs: 250, maxStalledCount: 1 },
    );
    worker.on('error', () => undefined);
    const unobserve = observeWorker(worker, generationMetrics, RUNS_QUEUE);
    closers.push(async () => {
      unobserve();
      await worker.close();
    });
    for (let i = 0; i < 5; i++) await runs.add('ok', { i });
    await runs.add('boom', {}, { attempts: 2 });
    await waitFor('6 completed and 1 failed run jobs', async () => {
      const c = await runs.getJobCounts('completed', 'failed');
      return c.completed === 6 && c.failed === 1;
    });

    // 3. The ingest pool saturated: 2 active (concurrency 2), 2 waiting, 1 prioritized, 1 delayed.
    const ingestWorker: Worker = createWorker(
      IMAGE_INGEST_QUEUE,
      conn,
      async (job: Job) => {
        if (job.name === 'block') await ingestGate.promise;
        return 'stored';
      },
      { concurrency: 2 },
    );
    ingestWorker.on('error', () => undefined);
    const unobserveIngest = observeWorker(ingestWorker, ingestMetrics, IMAGE_INGEST_QUEUE);
    closers.push(async () => {
      unobserveIngest();
      await ingestWorker.close();
    });
    await ingest.add('block', {});
    await ingest.add('block', {});
    await waitFor('2 active ingest jobs', async () => (await ingest.getJobCounts('active')).active === 2);
    await ingest.add('frame', {});
    await ingest.add('frame', {});
    await ingest.add('frame', {}, { priority: 1 });
    await ingest.add('later', {}, { delay: 600_000 });

    watch = watchQueues(
      gatewayMetrics,
      [
        { name: RUNS_QUEUE, queue: runs, capacityPerWorker: 4 },
        { name: IMAGE_INGEST_QUEUE, queue: ingest, capacityPerWorker: 2 },
      ],
      60_000,
    );
  });

  afterAll(async () => {
    watch?.stop();
    ingestGate.open();
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await redis?.stop();
  });

  it('polls job counts by state, connected workers and the utilization signal', async () => {
    await watch.poll();
    const exp = (await scrape(gatewayMetrics.registry)).exposition;
    const jobs = (queue: string, state: string) => valueOf(exp, 'switchyard_queue_jobs', { queue, state });
    expect({
      waiting: jobs('image-ingest', 'waiting'),
      prioritized: jobs('image-ingest', 'prioritized'),
      delayed: jobs('image-ingest', 'delayed'),
      active: jobs('image-ingest', 'active'),
      failed: jobs('image-ingest', 'failed'),
    }).toEqual({ waiting: 2, prioritized: 1, delayed: 1, active: 2, failed: 0 });
    expect({
      waiting: jobs('runs', 'waiting'),
      prioritized: jobs('runs', 'prioritized'),
      delayed: jobs('runs', 'delayed'),
      active: jobs('runs', 'active'),
      failed: jobs('runs', 'failed'),
    }).toEqual({ waiting: 0, prioritized: 0, delayed: 0, active: 0, failed: 1 });
    // The crashed worker is gone and QueueEvents/Queue connections are not workers.
    expect(valueOf(exp, 'switchyard_queue_workers', { queue: 'runs' })).toBe(1);
    expect(valueOf(exp, 'switchyard_queue_workers', { queue: 'image-ingest' })).toBe(1);
    // (waiting 2 + prioritized 1 + active 2) / (1 worker × 2) — delayed jobs are not demand yet.
    expect(valueOf(exp, 'switchyard_worker_pool_utilization', { queue: 'image-ingest' })).toBe(2.5);
    expect(valueOf(exp, 'switchyard_worker_pool_utilization', { queue: 'runs' })).toBe(0);
    expect(exp.samples.filter((s) => s.name === 'switchyard_queue_jobs').every((s) => s.labels.component === 'gateway')).toBe(true);
  });

  it('records waits, attempts by outcome, retries and stalls of the runs worker exactly', async () => {
    const exp: Exposition = (await scrape(generationMetrics.registry)).exposition;
    const q = { queue: 'runs' };
    // First starts on this worker: 5 ok + boom's first attempt. The stall victim first started on the
    // crashed worker and boom's second start is a retry: neither is a queue wait.
    expect(valueOf(exp, 'switchyard_queue_wait_seconds_count', q)).toBe(6);
    expect(valueOf(exp, 'switchyard_queue_wait_seconds_bucket', { ...q, le: '+Inf' })).toBe(6);
    const waitSum = valueOf(exp, 'switchyard_queue_wait_seconds_sum', q)!;
    expect(waitSum).toBeGreaterThanOrEqual(0);
    expect(waitSum).toBeLessThan(6 * 5); // each well under the 5 s test budget
    expect(valueOf(exp, 'switchyard_job_processing_seconds_count', { ...q, outcome: 'completed' })).toBe(6);
    expect(valueOf(exp, 'switchyard_job_processing_seconds_count', { ...q, outcome: 'retried' })).toBe(1);
    expect(valueOf(exp, 'switchyard_job_processing_seconds_count', { ...q, outcome: 'failed' })).toBe(1);
    expect(valueOf(exp, 'switchyard_jobs_retried_total', q)).toBe(1);
    expect(valueOf(exp, 'switchyard_jobs_stalled_total', q)).toBe(1);
    // The ok jobs sleep 5 ms: the completed attempts took at least 5 × 5 ms in all.
    expect(valueOf(exp, 'switchyard_job_processing_seconds_sum', { ...q, outcome: 'completed' })!).toBeGreaterThanOrEqual(0.025);
  });

  it('records the ingest pool once the blocked jobs finish', async () => {
    ingestGate.open();
    const q = { queue: 'image-ingest' };
    await waitFor('5 completed ingest jobs', async () => (await ingest.getJobCounts('completed')).completed === 5);
    // The worker records a job on its `completed` event, which follows the Redis state it polls.
    const recorded = async () =>
      valueOf((await scrape(ingestMetrics.registry)).exposition, 'switchyard_job_processing_seconds_count', {
        ...q,
        outcome: 'completed',
      }) ?? 0;
    await waitFor('5 recorded ingest jobs', async () => (await recorded()) >= 5);
    const exp = (await scrape(ingestMetrics.registry)).exposition;
    expect(valueOf(exp, 'switchyard_queue_wait_seconds_count', q)).toBe(5);
    expect(valueOf(exp, 'switchyard_job_processing_seconds_count', { ...q, outcome: 'completed' })).toBe(5);
    expect(valueOf(exp, 'switchyard_job_processing_seconds_count', { ...q, outcome: 'failed' })).toBe(0);
    expect(valueOf(exp, 'switchyard_jobs_retried_total', q)).toBe(0);
    expect(valueOf(exp, 'switchyard_jobs_stalled_total', q)).toBe(0);
    await watch.poll();
    const after = (await scrape(gatewayMetrics.registry)).exposition;
    expect(valueOf(after, 'switchyard_queue_jobs', { queue: 'image-ingest', state: 'delayed' })).toBe(1);
    expect(valueOf(after, 'switchyard_queue_jobs', { queue: 'image-ingest', state: 'active' })).toBe(0);
    expect(valueOf(after, 'switchyard_worker_pool_utilization', q)).toBe(0);
  });
});
