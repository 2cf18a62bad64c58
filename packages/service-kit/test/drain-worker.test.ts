// A draining worker ends: jobs that finish within the drain time finish; past it, the jobs still
// running are told to hand their work back (they put their job back in the queue and return), and
// drainWorker returns in about drain + hand-off time instead of waiting on them (real BullMQ, real Redis).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WaitingError, type Job } from 'bullmq';
import { createLogger } from '@switchyard/logging';
import { createQueue, createWorker, IMAGE_INGEST_QUEUE, RUNS_QUEUE } from '@switchyard/queues';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { drainWorker, HANDOFF_WAIT_MS } from '../src/index.ts';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});
const logger = createLogger('test', { level: 'silent' });

it('past the drain time, running jobs are handed back to the queue and the worker closes', async () => {
  const conn = { redisUrl: redis.url };
  const queue = createQueue<{ n: number }>(RUNS_QUEUE, conn);
  const started: string[] = [];
  // A job that never finishes on its own: only the hand-off signal makes it return.
  const worker = createWorker<{ n: number }, string>(
    RUNS_QUEUE,
    conn,
    async (job: Job<{ n: number }>, token?: string, signal?: AbortSignal) => {
      started.push(job.id!);
      await new Promise<void>((resolve) => signal!.addEventListener('abort', () => resolve(), { once: true }));
      await job.moveToWait(token);
      throw new WaitingError();
    },
    { concurrency: 2, lockDurationMs: 30_000 },
  );
  await worker.waitUntilReady();
  await queue.add('run', { n: 1 }, { jobId: 'run-1' });
  await queue.add('run', { n: 2 }, { jobId: 'run-2' });
  while (started.length < 2) await new Promise((r) => setTimeout(r, 20));

  const t0 = Date.now();
  await drainWorker(worker, 300, logger, () => worker.cancelAllJobs('drain time over'));
  const took = Date.now() - t0;
  // Returned after the drain time and well before it would have given up on the hand-off.
  expect(took).toBeGreaterThanOrEqual(300);
  expect(took).toBeLessThan(300 + HANDOFF_WAIT_MS);
  // Both jobs are waiting for another worker, their locks released: nothing waits for a stall.
  expect(await queue.getJobState('run-1')).toBe('waiting');
  expect(await queue.getJobState('run-2')).toBe('waiting');
  await queue.close();
});

it('a job that ignores the hand-off does not keep the worker from returning', async () => {
  const conn = { redisUrl: redis.url };
  const queue = createQueue<{ n: number }>(IMAGE_INGEST_QUEUE, conn);
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  let running = false;
  const worker = createWorker<{ n: number }, string>(
    IMAGE_INGEST_QUEUE,
    conn,
    async () => {
      running = true;
      await stuck;
      return 'late';
    },
    { concurrency: 1 },
  );
  await queue.add('run', { n: 3 }, { jobId: 'run-3' });
  while (!running) await new Promise((r) => setTimeout(r, 20));
  await drainWorker(worker, 100, logger, () => worker.cancelAllJobs('drain time over'));
  expect(await queue.getJobState('run-3')).toBe('active');
  release();
  await queue.close();
});
