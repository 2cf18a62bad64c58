// The ingest path is inside the run's fence: a frame carries the attempt that produced it, its event
// is appended under that fence before the item is stored, and a frame of an attempt that lost the run
// (taken over, or the run ended) changes nothing: no event, no item, no blob object. Real Redis, the
// MongoDB test server through the official driver, the local blob store.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { PNG } from 'pngjs';
import { createLocalBlobStore, imageObjectName, type BlobStore } from '@switchyard/blob';
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import { newId } from '@switchyard/protocol';
import type { ImageIngestJobData } from '@switchyard/queues';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunLog, runKeys } from '@switchyard/run-log';
import { ChatStore } from '@switchyard/store';
import { processIngest, type IngestDeps } from '../src/index.ts';

let redisServer: RedisServerHandle;
let mongoServer: MongoTestServer | undefined;
let client: MongoClient;
let redis: RedisClient;
let runLog: RunLog;
let store: ChatStore;
let blob: BlobStore;
let blobRoot: string;

beforeAll(async () => {
  redisServer = await startRedisServer();
  let url = process.env.MONGODB_URL;
  if (!url) {
    mongoServer = await startMongoTestServer();
    url = mongoServer.url;
  }
  client = new MongoClient(url);
  await client.connect();
  store = new ChatStore(client.db(`ingest_test_${randomBytes(4).toString('hex')}`));
  await store.ensureIndexes();
  redis = createRedis(redisServer.url, { name: 'test' });
  runLog = new RunLog(redis, { maxEntries: 1_000, ttlSeconds: 600, orphanTtlSeconds: 600 });
  blobRoot = mkdtempSync(join(tmpdir(), 'ingest-blobs-'));
  blob = createLocalBlobStore({ root: blobRoot, publicBaseUrl: 'http://localhost:1', signingSecret: 'a-test-signing-secret' });
});
afterAll(async () => {
  await store?.db.dropDatabase().catch(() => undefined);
  await client?.close();
  redis?.disconnect();
  await redisServer?.stop();
  await mongoServer?.close();
  if (blobRoot) rmSync(blobRoot, { recursive: true, force: true });
});

function png(): Buffer {
  const img = new PNG({ width: 16, height: 16 });
  img.data.fill(120);
  return PNG.sync.write(img);
}

/** A run owned by `fence`, with one final image frame of attempt `attempt` parked in Redis. */
async function frame(fence: string, attempt: string, storeOverride?: ChatStore): Promise<{ deps: IngestDeps; data: ImageIngestJobData }> {
  const runId = newId('run');
  const owner = `u${randomBytes(3).toString('hex')}`;
  const threadId = newId('thr');
  await runLog.createRun(runId, owner, threadId);
  await runLog.claim(runId, fence);
  const imageId = `ig_${randomBytes(6).toString('hex')}`;
  const bytesKey = runKeys(runId).imageBytes(imageId, null);
  await redis.set(bytesKey, png());
  const data: ImageIngestJobData = {
    runId,
    attempt,
    owner,
    threadId,
    itemId: newId('msg'),
    itemCreatedAt: new Date().toISOString(),
    imageId,
    partialIndex: null,
    partialImages: 0,
    bytesKey,
    expectedFormat: 'png',
  };
  const deps: IngestDeps = {
    redis,
    runLog,
    store: storeOverride ?? store,
    blob,
    limits: { maxBytes: 1 << 20, maxPixels: 1 << 20 },
    urlTtlSeconds: 60,
  };
  return { deps, data };
}

/** The store, with a take-over made (by `setTakeOver`) between the ingest's append and its save. */
function racingStore(): { racing: ChatStore; setTakeOver: (f: () => Promise<void>) => void } {
  let takeOver: () => Promise<void> = async () => undefined;
  const racing = new Proxy(store, {
    get(obj, prop, receiver) {
      if (prop === 'addItem')
        return async (...args: Parameters<ChatStore['addItem']>) => {
          await takeOver();
          return obj.addItem(...args);
        };
      return Reflect.get(obj, prop, receiver) as unknown;
    },
  });
  return { racing, setTakeOver: (f) => (takeOver = f) };
}

const objectOf = (d: ImageIngestJobData) => imageObjectName({ owner: d.owner, threadId: d.threadId, imageId: d.imageId, ext: 'png' });

describe('image ingest under the run fence', () => {
  it("the owning attempt's frame is appended, then stored, once even when the job runs twice", async () => {
    const { deps, data } = await frame('attempt-A', 'attempt-A');
    const first = await processIngest(deps, data);
    expect(first.discarded).toBeUndefined();
    await redis.set(data.bytesKey, png());
    await processIngest(deps, data);
    const entries = await runLog.read(data.runId, 0);
    expect(entries).toHaveLength(1);
    expect(JSON.parse((entries[0] as { json: string }).json)).toMatchObject({ type: 'thread.item.done', item: { id: data.itemId } });
    expect(await store.loadItem(data.owner, data.threadId, data.itemId)).toMatchObject({ type: 'generated_image' });
  });

  it('a job whose earlier try did everything (its worker died before the job completed) succeeds without doing it again', async () => {
    const { deps, data } = await frame('attempt-A', 'attempt-A');
    await processIngest(deps, data);
    // The recovered job finds the bytes gone: they go last, after the append and the item.
    expect(await redis.exists(data.bytesKey)).toBe(0);
    expect(await processIngest(deps, data)).toMatchObject({ repeated: true });
    expect(await runLog.read(data.runId, 0)).toHaveLength(1);
    expect(await store.loadItem(data.owner, data.threadId, data.itemId)).toMatchObject({ type: 'generated_image' });
  });

  it('bytes that expired before any try ingested them fail the job for good', async () => {
    const { deps, data } = await frame('attempt-A', 'attempt-A');
    await redis.del(data.bytesKey);
    await expect(processIngest(deps, data)).rejects.toThrow(/are gone/);
  });

  it('a job whose earlier try did everything (its worker died before the job completed) succeeds without doing it again', async () => {
    const { deps, data } = await frame('attempt-A', 'attempt-A');
    await processIngest(deps, data);
    // The recovered job finds the bytes gone: they go last, after the append and the item.
    expect(await redis.exists(data.bytesKey)).toBe(0);
    expect(await processIngest(deps, data)).toMatchObject({ repeated: true });
    expect(await runLog.read(data.runId, 0)).toHaveLength(1);
    expect(await store.loadItem(data.owner, data.threadId, data.itemId)).toMatchObject({ type: 'generated_image' });
  });

  it('bytes that expired before any try ingested them fail the job for good', async () => {
    const { deps, data } = await frame('attempt-A', 'attempt-A');
    await redis.del(data.bytesKey);
    await expect(processIngest(deps, data)).rejects.toThrow(/are gone/);
  });

  it("a lost attempt's frame appends nothing, stores no item and leaves no blob object", async () => {
    const { deps, data } = await frame('attempt-B', 'attempt-A');
    // The frame was uploaded before the take-over (a retried job): the discard removes the object.
    await blob.put(objectOf(data), png(), { contentType: 'image/png' });
    const result = await processIngest(deps, data);
    expect(result.discarded).toBe(true);
    expect(await runLog.read(data.runId, 0)).toEqual([]);
    await expect(store.loadItem(data.owner, data.threadId, data.itemId)).rejects.toThrow();
    expect(await blob.stat(objectOf(data))).toBeNull();
    expect(await redis.exists(data.bytesKey)).toBe(0);
  });

  it('a take-over that regenerates, between the append and the save, takes the item back', async () => {
    const { racing, setTakeOver } = racingStore();
    const { deps, data } = await frame('attempt-A', 'attempt-A', racing);
    setTakeOver(async () => {
      // What a regenerating take-over does (take-over.ts): it notes each shown item before removing it.
      await runLog.claim(data.runId, 'attempt-B');
      await runLog.noteSavedItem(data.runId, 'attempt-B', data.itemId);
    });
    const result = await processIngest(deps, data);
    expect(result.discarded).toBe(true);
    await expect(store.loadItem(data.owner, data.threadId, data.itemId)).rejects.toThrow();
    expect(await blob.stat(objectOf(data))).toBeNull();
  });

  it('a take-over that continues the model response (docs/resume.md) keeps the item the log shows', async () => {
    const { racing, setTakeOver } = racingStore();
    const { deps, data } = await frame('attempt-A', 'attempt-A', racing);
    setTakeOver(async () => {
      await runLog.claim(data.runId, 'attempt-B');
    });
    const result = await processIngest(deps, data);
    expect(result.discarded).toBeUndefined();
    expect((await store.loadItem(data.owner, data.threadId, data.itemId)).id).toBe(data.itemId);
    expect(await blob.stat(objectOf(data))).not.toBeNull();
  });

  it('a frame arriving after its run ended is discarded', async () => {
    const { deps, data } = await frame('attempt-A', 'attempt-A');
    await runLog.append(data.runId, [{ kind: 'end', end: { outcome: 'failed', reason: 'ingest timed out' } }], { fence: 'attempt-A' });
    expect((await processIngest(deps, data)).discarded).toBe(true);
    await expect(store.loadItem(data.owner, data.threadId, data.itemId)).rejects.toThrow();
  });
});
