// The run watchdog against a private redis-server, the real run log, the real Limits and a real
// BullMQ `runs` queue: a marked run whose job failed for good is ended (one `error` event, the end,
// the reservation given back) on the second sighting; a run whose job waits or runs, a run not yet
// marked, and a marked run whose job shows up between two checks are left alone; an ended run costs
// no queue lookup.
import type { Job, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Limits } from '@switchyard/limits';
import { createLogger } from '@switchyard/logging';
import { createQueue, createWorker, RUNS_QUEUE } from '@switchyard/queues';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunLog } from '@switchyard/run-log';
import { RunReservation, RunWatchdog } from '../src/index.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let runLog: RunLog;
let limits: Limits;
let queue: Queue;
let worker: Worker | undefined;
/** Lets the jobs the worker holds finish at the end. */
let releaseHeld!: () => void;
const held = new Promise<void>((r) => (releaseHeld = r));
/** getJobState calls the watchdog made. */
let stateLookups = 0;
let watchdog: RunWatchdog;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'test' });
  runLog = new RunLog(redis, { maxEntries: 10_000, ttlSeconds: 600, orphanTtlSeconds: 600 });
  limits = new Limits(redis, { requestsPerMinute: 0, concurrentRunsPerUser: 1, leaseMs: 60_000 });
  queue = createQueue(RUNS_QUEUE, { redisUrl: server.url });
  const counted: Pick<Queue, 'getJobState'> = {
    getJobState: (jobId) => {
      stateLookups++;
      return queue.getJobState(jobId);
    },
  };
  watchdog = new RunWatchdog({ runsQueue: counted, runLog, limits, logger: createLogger('test', { level: 'silent' }) });
});

afterAll(async () => {
  releaseHeld();
  await worker?.close();
  await queue?.close();
  redis?.disconnect();
  await server?.stop();
});

/** The worker of the tests: fails `fail-*` jobs at once (no retries), holds the others until the end. */
function startWorker(): void {
  worker = createWorker(
    RUNS_QUEUE,
    { redisUrl: server.url },
    async (job: Job) => {
      if (job.id?.startsWith('fail-')) throw new Error('the model provider is gone for good');
      await held;
    },
    { concurrency: 4 },
  );
  worker.on('error', () => undefined);
}

const ev = (text: string) => ({ kind: 'event' as const, json: JSON.stringify({ type: 'progress_update', text }) });

/** What start-run does: reserve, create the log, append the prefix and mark its end (the job is the caller's). */
async function openedRun(runId: string, owner = `u-${runId}`): Promise<{ owner: string; threadId: string }> {
  const threadId = `thr-${runId}`;
  await RunReservation.acquire(limits, { owner, threadId, runId });
  await runLog.createRun(runId, owner, threadId);
  const first = await runLog.append(runId, [ev('thread.created'), ev('user item')]);
  await runLog.markPrefixEnd(runId, first + 1);
  return { owner, threadId };
}

async function stateIs(runId: string, state: string): Promise<void> {
  while ((await queue.getJobState(runId)) !== state) await new Promise((r) => setTimeout(r, 20));
}

/** Whether `owner` could start another run on `threadId` now (slot and thread lock both free). */
async function reservationFree(owner: string, threadId: string): Promise<boolean> {
  try {
    await (await RunReservation.acquire(limits, { owner, threadId, runId: `probe-${threadId}` })).release();
    return true;
  } catch {
    return false;
  }
}

describe('run watchdog', () => {
  it('leaves a run alone while its job waits for a worker', async () => {
    await openedRun('waiting-1');
    await queue.add('run', { runId: 'waiting-1' }, { jobId: 'waiting-1' });
    const check = watchdog.forRun('waiting-1');
    expect(await check()).toEqual({ verdict: 'running', jobState: 'waiting' });
    expect(await check()).toEqual({ verdict: 'running', jobState: 'waiting' });
    expect((await runLog.meta('waiting-1'))?.endedAt).toBeUndefined();
  });

  it('leaves a run alone that has no prefix mark yet, job or not', async () => {
    await runLog.createRun('unmarked-1', 'u-unmarked', 'thr-unmarked');
    const check = watchdog.forRun('unmarked-1');
    for (let i = 0; i < 3; i++) expect(await check()).toEqual({ verdict: 'unmarked' });
    expect((await runLog.meta('unmarked-1'))?.endedAt).toBeUndefined();
  });

  it('leaves a marked run alone whose job is added between two checks (start-run adds it right after the mark)', async () => {
    await openedRun('late-1');
    const check = watchdog.forRun('late-1');
    expect(await check()).toEqual({ verdict: 'suspect', jobState: 'unknown' });
    await queue.add('run', { runId: 'late-1' }, { jobId: 'late-1', delay: 60_000 });
    expect(await check()).toEqual({ verdict: 'running', jobState: 'delayed' });
    expect(await check()).toEqual({ verdict: 'running', jobState: 'delayed' });
    expect((await runLog.meta('late-1'))?.endedAt).toBeUndefined();
  });

  it('ends a run whose job failed for good, on the second sighting: one error event, the end, the reservation back', async () => {
    startWorker();
    const { owner, threadId } = await openedRun('fail-1');
    await queue.add('run', { runId: 'fail-1' }, { jobId: 'fail-1', attempts: 1 });
    await stateIs('fail-1', 'failed');
    expect(await reservationFree(owner, threadId)).toBe(false);

    const check = watchdog.forRun('fail-1');
    expect(await check()).toEqual({ verdict: 'suspect', jobState: 'failed' });
    expect((await runLog.meta('fail-1'))?.endedAt).toBeUndefined();
    expect(await check()).toEqual({ verdict: 'abandoned', jobState: 'failed' });

    const entries = await runLog.read('fail-1', 0);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries[2]).toEqual({ seq: 3, kind: 'event', json: JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true }) });
    expect(entries[3]).toMatchObject({ seq: 4, kind: 'end', end: { outcome: 'failed' } });
    expect((await runLog.meta('fail-1'))?.endedAt).toBe(4);
    expect(await reservationFree(owner, threadId)).toBe(true);
    // Ended now: later checks are one meta read, and another stream's check appends nothing more.
    expect(await check()).toEqual({ verdict: 'ended' });
    expect(await watchdog.forRun('fail-1')()).toEqual({ verdict: 'ended' });
    expect((await runLog.read('fail-1', 0)).length).toBe(4);
  });

  it('leaves a run alone while a worker holds its job', async () => {
    await openedRun('held-1');
    await queue.add('run', { runId: 'held-1' }, { jobId: 'held-1' });
    await stateIs('held-1', 'active');
    const check = watchdog.forRun('held-1');
    expect(await check()).toEqual({ verdict: 'running', jobState: 'active' });
    expect(await check()).toEqual({ verdict: 'running', jobState: 'active' });
    expect((await runLog.meta('held-1'))?.endedAt).toBeUndefined();
  });

  it('an ended run costs no queue lookup', async () => {
    await openedRun('done-1');
    await runLog.append('done-1', [{ kind: 'end', end: { outcome: 'completed' } }]);
    const before = stateLookups;
    const check = watchdog.forRun('done-1');
    expect(await check()).toEqual({ verdict: 'ended' });
    expect(await check()).toEqual({ verdict: 'ended' });
    expect(stateLookups).toBe(before);
    expect(await watchdog.checkRun('no-such-run')).toEqual({ verdict: 'gone' });
  });
});
