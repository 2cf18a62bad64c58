// SSE streams through the real ChatKit router (GET /chatkit/runs/:runId/events) when the gateway loses
// Redis: an outage shorter than the outage window leaves the stream open (pings go on) and it
// completes with every event once; a longer one (closed or hung), or a log trimmed past the client's
// position, ends it with one `error` event a ChatKit client shows with a retry, never a silent end. A
// run whose job failed is ended by the run watchdog and its stream closes with the error event. The
// gateway's Redis connections go through a cuttable link to a private redis-server; the "worker"
// writes to Redis directly.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job, Worker } from 'bullmq';
import { createParser } from 'eventsource-parser';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { devIdentityAuthenticator } from '@switchyard/auth';
import { RunReservation, RunWatchdog } from '@switchyard/chatkit-server';
import { Limits } from '@switchyard/limits';
import { createLogger } from '@switchyard/logging';
import { createQueue, createWorker, RUNS_QUEUE } from '@switchyard/queues';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunLog, RunLogSubscriber, runKeys } from '@switchyard/run-log';
import { startRedisLink, type RedisLink } from '../../run-log/test/redis-link.ts';
import { createChatKitRouter, SseStreams, type ChatKitRouterDeps } from '../src/index.ts';

const STREAM_ERROR = { type: 'error', code: 'stream.error', allow_retry: true };
const logLimits = { maxEntries: 10_000, ttlSeconds: 600, orphanTtlSeconds: 600 };
const logger = createLogger('test', { level: 'silent' });
const ev = (n: number) => ({ kind: 'event' as const, json: JSON.stringify({ type: 'progress_update', text: `step ${n}` }) });
const END = { kind: 'end' as const, end: { outcome: 'completed' as const } };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface World {
  server: RedisServerHandle;
  link: RedisLink;
  /** The worker's side: straight to Redis. */
  writer: RunLog;
}

async function world(): Promise<World> {
  const server = await startRedisServer();
  cleanups.push(() => server.stop());
  const link = await startRedisLink(server.port);
  cleanups.push(() => link.close());
  const direct = createRedis(server.url, { name: 'writer' });
  cleanups.push(() => direct.disconnect());
  return { server, link, writer: new RunLog(direct, logLimits) };
}

interface Gateway {
  base: string;
  redis: RedisClient;
  sub: RedisClient;
  runLog: RunLog;
  limits: Limits;
}

/** The ChatKit router on a real express app, its Redis connections through the link. */
async function gateway(
  w: World,
  opts: { outageWindowMs: number; heartbeatMs: number; runWatchdog?: (g: Omit<Gateway, 'base'>) => RunWatchdog },
): Promise<Gateway> {
  const redis = createRedis(w.link.url, { name: 'gateway-main', outageWindowMs: opts.outageWindowMs });
  const sub = createRedis(w.link.url, { name: 'gateway-sub', outageWindowMs: opts.outageWindowMs });
  const runLog = new RunLog(redis, logLimits);
  const limits = new Limits(redis, { requestsPerMinute: 0, concurrentRunsPerUser: 1, leaseMs: 60_000 });
  const parts = { redis, sub, runLog, limits };
  const registry = new SseStreams();
  const deps = {
    // The re-attach route needs neither the ChatKit server, nor run control (policy `detach`), nor uploads.
    server: {},
    control: {},
    attachments: {
      store: {},
      blob: {},
      publicBaseUrl: 'http://127.0.0.1',
      maxUploadBytes: 1024,
      urlTtlSeconds: 60,
      uploadTokenSecret: 'x'.repeat(32),
    },
    runLog,
    subscriber: new RunLogSubscriber(runLog, sub, { outageWindowMs: opts.outageWindowMs }),
    logger,
    authenticate: devIdentityAuthenticator(),
    bodyLimitBytes: 1 << 20,
    heartbeatMs: opts.heartbeatMs,
    disconnect: { policy: 'detach', graceMs: 0 },
    limits,
    sse: { maxBufferedBytes: 1 << 20, registry },
    ...(opts.runWatchdog ? { runWatchdog: opts.runWatchdog(parts) } : {}),
  } as unknown as ChatKitRouterDeps;
  const app = express();
  app.use(createChatKitRouter(deps));
  const http = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(async () => {
    registry.closeAll('test over');
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    redis.disconnect();
    sub.disconnect();
  });
  return { base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, ...parts };
}

interface Frame {
  id?: string;
  data: unknown;
}

/** A client on the run's event stream: frames and pings as a conforming SSE parser sees them. */
async function follow(g: Gateway, runId: string, lastEventId?: number) {
  const res = await fetch(`${g.base}/chatkit/runs/${runId}/events`, {
    headers: lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) },
  });
  const frames: Frame[] = [];
  let pings = 0;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  const parser = createParser({
    onEvent(e) {
      frames.push({ ...(e.id !== undefined ? { id: e.id } : {}), data: JSON.parse(e.data) as unknown });
      changed();
    },
    onComment() {
      pings++;
      changed();
    },
  });
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  })();
  cleanups.push(() => done.catch(() => undefined));
  /** Resolves once `pred` holds (checked on every frame and ping). */
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!pred()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return {
    status: res.status,
    frames,
    get pings() {
      return pings;
    },
    until,
    done,
  };
}

async function lost(client: RedisClient): Promise<void> {
  while (client.status === 'ready') await new Promise((r) => setTimeout(r, 10));
}

const errorFrames = (frames: Frame[]) => frames.filter((f) => (f.data as { type?: string }).type === 'error');

describe('an SSE stream when the gateway loses Redis', () => {
  it('stays open through an outage shorter than the window, pinging, and completes with every event once', async () => {
    const w = await world();
    const g = await gateway(w, { outageWindowMs: 30_000, heartbeatMs: 100 });
    await w.writer.createRun('short', 'dev', 'thr_1');
    await w.writer.append('short', [ev(1), ev(2), ev(3)]);
    const client = await follow(g, 'short');
    expect(client.status).toBe(200);
    await client.until(() => client.frames.length === 3);

    w.link.cut();
    await Promise.all([lost(g.sub), lost(g.redis)]);
    const pingsAtCut = client.pings;
    // Live messages published while the gateway is away reach nobody: only the log has these.
    for (let n = 4; n <= 6; n++) await w.writer.append('short', [ev(n)]);
    // The stream is held open meanwhile: proxies keep seeing pings.
    await client.until(() => client.pings >= pingsAtCut + 3);
    w.link.restore();
    await w.writer.append('short', [ev(7)]);
    await w.writer.append('short', [END]);

    await client.done;
    expect(client.frames.map((f) => f.id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(errorFrames(client.frames)).toEqual([]);
  });

  it('ends with exactly one error event (allow_retry, no id) when Redis stays away longer than the window', async () => {
    const w = await world();
    const g = await gateway(w, { outageWindowMs: 1_500, heartbeatMs: 100 });
    await w.writer.createRun('long', 'dev', 'thr_1');
    await w.writer.append('long', [ev(1), ev(2)]);
    const client = await follow(g, 'long');
    await client.until(() => client.frames.length === 2);

    w.link.cut();
    await client.done;
    expect(client.frames).toEqual([
      { id: '1', data: JSON.parse(ev(1).json) },
      { id: '2', data: JSON.parse(ev(2).json) },
      { data: STREAM_ERROR },
    ]);
    w.link.restore();
  });

  it('ends with the error event when Redis stops answering without closing the connection, after the window', async () => {
    const w = await world();
    const g = await gateway(w, { outageWindowMs: 1_500, heartbeatMs: 100 });
    await w.writer.createRun('hung', 'dev', 'thr_1');
    await w.writer.append('hung', [ev(1)]);
    const client = await follow(g, 'hung');
    await client.until(() => client.frames.length === 1);

    w.link.hang();
    await client.done;
    expect(client.frames).toEqual([{ id: '1', data: JSON.parse(ev(1).json) }, { data: STREAM_ERROR }]);
    w.link.cut();
  });

  it('ends with the error event, not silently, when the log was trimmed past the client position', async () => {
    const w = await world();
    const g = await gateway(w, { outageWindowMs: 30_000, heartbeatMs: 100 });
    await w.writer.createRun('trimmed', 'dev', 'thr_1');
    await w.writer.append('trimmed', [ev(1), ev(2), ev(3), ev(4), ev(5)]);
    await w.writer.redis.xtrim(runKeys('trimmed').log, 'MAXLEN', 2);
    const client = await follow(g, 'trimmed', 1);
    await client.done;
    expect(client.status).toBe(200);
    expect(client.frames).toEqual([{ data: STREAM_ERROR }]);
  });

  it('closes with the error event when the run watchdog ends a run whose job failed', async () => {
    const w = await world();
    const queue = createQueue(RUNS_QUEUE, { redisUrl: w.server.url });
    cleanups.push(() => queue.close());
    const g = await gateway(w, {
      outageWindowMs: 30_000,
      heartbeatMs: 50,
      runWatchdog: ({ runLog, limits }) => new RunWatchdog({ runsQueue: queue, runLog, limits, logger, intervalMs: 100 }),
    });
    const worker: Worker = createWorker(
      RUNS_QUEUE,
      { redisUrl: w.server.url },
      async (_job: Job) => {
        throw new Error('this attempt crashed for good');
      },
      { concurrency: 1 },
    );
    worker.on('error', () => undefined);
    cleanups.push(() => worker.close());

    const key = { owner: 'dev', threadId: 'thr_w', runId: 'failing' };
    await RunReservation.acquire(g.limits, key);
    await w.writer.createRun('failing', 'dev', 'thr_w');
    await w.writer.append('failing', [ev(1), ev(2)]);
    await w.writer.markPrefixEnd('failing', 2);
    await queue.add('run', { runId: 'failing' }, { jobId: 'failing', attempts: 1 });
    const client = await follow(g, 'failing');

    await client.done;
    expect(client.frames).toEqual([
      { id: '1', data: JSON.parse(ev(1).json) },
      { id: '2', data: JSON.parse(ev(2).json) },
      { id: '3', data: STREAM_ERROR },
    ]);
    expect((await w.writer.meta('failing'))?.endedAt).toBe(4);
    // The reservation went back: the same user can start a run on the thread again.
    await (await RunReservation.acquire(g.limits, { ...key, runId: 'next' })).release();
  });
});
