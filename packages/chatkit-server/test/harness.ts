// Real parts for chatkit-server's tests: a private redis-server, the MongoDB test server (or
// MONGODB_URL) through the official driver, the local blob store, a real BullMQ `runs` queue, and a
// fault injector that makes the Nth call on the wrapped dependencies throw.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { MongoClient } from 'mongodb';
import type { AttachmentDeps } from '@switchyard/attachments';
import { createLocalBlobStore } from '@switchyard/blob';
import { Limits } from '@switchyard/limits';
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import { createQueue, RUNS_QUEUE } from '@switchyard/queues';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunControl, RunLog } from '@switchyard/run-log';
import { ChatStore } from '@switchyard/store';
import type { SwitchyardApp } from '@switchyard/app-api';
import { parseChatKitRequest, type StreamingRequest } from '@switchyard/protocol';
import { createLogger } from '@switchyard/logging';
import { startRun, type ImageHandoffDeps, type ProcessRunDeps, type RunPlan } from '../src/index.ts';

/** The logger of processRun in these tests. */
export const logger = createLogger('test', { level: 'silent' });

/** Image hand-off deps for runs that make no image (any use would throw). */
export const noImages: ImageHandoffDeps = {
  redis: undefined as never,
  queue: undefined as never,
  queueEvents: undefined as never,
  bytesTtlSeconds: 60,
  timeoutMs: 1_000,
};

export interface Harness {
  redis: RedisClient;
  redisUrl: string;
  store: ChatStore;
  runLog: RunLog;
  control: RunControl;
  limits: Limits;
  runsQueue: Queue<RunPlan>;
  attachments: AttachmentDeps;
  close(): Promise<void>;
}

export const LEASE_MS = 60_000;

export async function startHarness(): Promise<Harness> {
  const redisServer: RedisServerHandle = await startRedisServer();
  let mongoServer: MongoTestServer | undefined;
  let mongoUrl = process.env.MONGODB_URL;
  if (!mongoUrl) {
    mongoServer = await startMongoTestServer();
    mongoUrl = mongoServer.url;
  }
  const client = new MongoClient(mongoUrl);
  await client.connect();
  const store = new ChatStore(client.db(`chatkit_server_test_${randomBytes(4).toString('hex')}`));
  await store.ensureIndexes();
  const redis = createRedis(redisServer.url, { name: 'test' });
  const controlSub = createRedis(redisServer.url, { name: 'test-control' });
  const runLog = new RunLog(redis, { maxEntries: 10_000, ttlSeconds: 600, orphanTtlSeconds: 600 });
  const blobRoot = mkdtempSync(join(tmpdir(), 'chatkit-server-blobs-'));
  const blob = createLocalBlobStore({ root: blobRoot, publicBaseUrl: 'http://localhost:1', signingSecret: 'a-test-signing-secret' });
  const runsQueue = createQueue<RunPlan>(RUNS_QUEUE, { redisUrl: redisServer.url });
  return {
    redis,
    redisUrl: redisServer.url,
    store,
    runLog,
    control: new RunControl(redis, controlSub),
    limits: new Limits(redis, { requestsPerMinute: 0, concurrentRunsPerUser: 2, leaseMs: LEASE_MS }),
    runsQueue,
    attachments: {
      store,
      blob,
      publicBaseUrl: 'http://localhost:1',
      maxUploadBytes: 1 << 20,
      urlTtlSeconds: 600,
      uploadTokenSecret: 'a-test-upload-token-secret',
    },
    async close() {
      await runsQueue.close();
      await store.db.dropDatabase().catch(() => undefined);
      await client.close();
      redis.disconnect();
      controlSub.disconnect();
      await redisServer.stop();
      await mongoServer?.close();
      rmSync(blobRoot, { recursive: true, force: true });
    },
  };
}

/** What the reservation of `owner` and `threadId` holds in Redis right now. */
export async function reservationState(h: Harness, owner: string, threadId: string): Promise<{ slots: number; threadLock: string | null }> {
  return { slots: await h.redis.zcard(`{user:${owner}}:run-slots`), threadLock: await h.redis.get(`{thread:${threadId}}:active-run`) };
}

export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/**
 * Counts every method call on the wrapped objects (one shared counter) and makes call number
 * `failAt` throw InjectedFault instead of running; `calls` lists what was called, in order.
 */
export function faultInjector(failAt: number) {
  const calls: string[] = [];
  const wrap = <T extends object>(label: string, target: T): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
        return (...args: unknown[]) => {
          calls.push(`${label}.${prop}`);
          if (calls.length === failAt) return Promise.reject(new InjectedFault(`injected failure at call ${failAt} (${label}.${prop})`));
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  return { wrap, calls };
}

/** Starts a `threads.create` run for `owner` the way the gateway does; returns its ids and its job's data. */
export async function enqueueTestRun(
  h: Harness,
  app: SwitchyardApp,
  owner: string,
): Promise<{ runId: string; threadId: string; data: unknown }> {
  const req = parseChatKitRequest({
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text: 'count' }], attachments: [], inference_options: {} } },
  }) as StreamingRequest;
  const started = await startRun(
    { store: h.store, runLog: h.runLog, runsQueue: h.runsQueue, limits: h.limits, app, attachments: h.attachments },
    owner,
    req,
  );
  if (!started.runId) throw new Error('no run');
  const job = await h.runsQueue.getJob(started.runId);
  return { runId: started.runId, threadId: started.threadId, data: job!.data };
}

/** A worker's processRun deps on the harness: its store, run log, limits and control, no images; `overrides` wins. */
export function workerDeps(h: Harness, app: SwitchyardApp, overrides: Partial<ProcessRunDeps> = {}): ProcessRunDeps {
  return {
    app,
    runLog: h.runLog,
    store: h.store,
    limits: h.limits,
    control: h.control,
    images: noImages,
    partialImages: 0,
    logger,
    ...overrides,
  };
}
