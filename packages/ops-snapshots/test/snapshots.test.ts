// Writing process snapshots to a real Redis: publish stamps them with the server's clock and keeps
// both keys in one `{sy:ops}` cluster slot, a stopping publisher removes its own entry, and the
// worker load it reports comes from the processor itself.
import { createMetrics } from '@switchyard/metrics';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisCluster, startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActiveJobs } from '../src/active-jobs.ts';
import { PUBLISHED_AT_KEY, SNAPSHOTS_KEY } from '../src/keys.ts';
import { startSnapshotPublisher } from '../src/publisher.ts';
import { OPS_METRIC_NAMES, parseSnapshot, type ProcessSnapshot } from '../src/snapshot.ts';
import { SnapshotWriter } from '../src/snapshot-writer.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let writer: SnapshotWriter;
const snapshot = (id: string): ProcessSnapshot => ({
  v: 1,
  id,
  component: 'gateway',
  samples: [['switchyard_time_to_first_event_seconds_count', {}, 1]],
});

/** What a reader would find for `id`: the stored snapshot and its publish stamp. */
async function stored(client: RedisClient, id: string): Promise<{ snapshot: ProcessSnapshot | null; at: number | null }> {
  const [json, at] = await Promise.all([client.hget(SNAPSHOTS_KEY, id), client.zscore(PUBLISHED_AT_KEY, id)]);
  return { snapshot: json === null ? null : parseSnapshot(json), at: at === null ? null : Number(at) };
}

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'ops-snapshots-test' });
  writer = new SnapshotWriter(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  await redis.del(SNAPSHOTS_KEY, PUBLISHED_AT_KEY);
});

describe('SnapshotWriter', () => {
  it('keeps both keys in one cluster slot', () => {
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    expect(tag(SNAPSHOTS_KEY)).toBe('sy:ops');
    expect(tag(PUBLISHED_AT_KEY)).toBe('sy:ops');
  });

  it('stores what was published, stamped with the Redis clock, and expires the keys', async () => {
    const [seconds, micros] = await redis.time();
    const before = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const at = await writer.publish(snapshot('h:1'), 60);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(await stored(redis, 'h:1')).toEqual({ snapshot: snapshot('h:1'), at });
    expect(await redis.ttl(SNAPSHOTS_KEY)).toBeGreaterThan(0);
    expect(await redis.ttl(PUBLISHED_AT_KEY)).toBeGreaterThan(0);
  });

  it('removes one process’s entry and leaves the others', async () => {
    await writer.publish(snapshot('h:1'), 60);
    await writer.publish(snapshot('h:2'), 60);
    await writer.remove('h:1');
    expect(await stored(redis, 'h:1')).toEqual({ snapshot: null, at: null });
    expect((await stored(redis, 'h:2')).snapshot).toEqual(snapshot('h:2'));
  });
});

describe('parseSnapshot', () => {
  it('refuses anything that is not a version-1 snapshot', () => {
    expect(parseSnapshot(JSON.stringify(snapshot('h:1')))).toEqual(snapshot('h:1'));
    expect(parseSnapshot('{"v":2}')).toBeNull();
    expect(parseSnapshot('not json')).toBeNull();
  });
});

describe('startSnapshotPublisher', () => {
  it('publishes the page’s metrics and the worker load, and removes its entry when stopped', async () => {
    const metrics = createMetrics('generation-worker');
    metrics.chat.runDuration.observe({ outcome: 'completed' }, 1.5);
    const active = new ActiveJobs();
    let release!: () => void;
    const running = active.wrap(() => new Promise<void>((r) => (release = r)))({});
    const publisher = startSnapshotPublisher({
      redis,
      registry: metrics.registry,
      component: 'generation-worker',
      intervalMs: 50,
      id: 'host:42',
      load: () => ({ queue: 'runs', active: active.count, concurrency: 8 }),
    });
    await publisher.publishNow();
    const snap = (await stored(redis, 'host:42')).snapshot;
    expect(snap).toMatchObject({ id: 'host:42', component: 'generation-worker', load: { queue: 'runs', active: 1, concurrency: 8 } });
    const names = new Set(snap!.samples.map(([name]) => name.replace(/_(bucket|sum|count)$/, '')));
    expect([...names].every((n) => OPS_METRIC_NAMES.includes(n))).toBe(true);
    expect(snap!.samples).toContainEqual(['switchyard_run_duration_seconds_count', { outcome: 'completed' }, 1]);
    expect(snap!.samples.some(([, labels]) => 'component' in labels)).toBe(false);
    release();
    await running;
    await publisher.stop();
    expect(await redis.hlen(SNAPSHOTS_KEY)).toBe(0);
    expect(await redis.zcard(PUBLISHED_AT_KEY)).toBe(0);
  });

  it('publishes only when asked with interval 0 (OPS_SNAPSHOT_INTERVAL_MS=0 turns it off)', async () => {
    const publisher = startSnapshotPublisher({ redis, registry: createMetrics('gateway').registry, component: 'gateway', intervalMs: 0 });
    await new Promise((r) => setTimeout(r, 30));
    expect(await redis.exists(SNAPSHOTS_KEY)).toBe(0);
    await publisher.publishNow();
    expect(await redis.hexists(SNAPSHOTS_KEY, publisher.id)).toBe(1);
    await publisher.stop();
    expect(await redis.exists(SNAPSHOTS_KEY)).toBe(0);
  });
});

describe('ActiveJobs', () => {
  it('counts running jobs, keeps BullMQ’s three-parameter processor shape, and passes the signal', async () => {
    const active = new ActiveJobs();
    const seen: Array<AbortSignal | undefined> = [];
    const wrapped = active.wrap(async (_job: unknown, _token?: string, signal?: AbortSignal) => {
      seen.push(signal);
      expect(active.count).toBe(1);
      throw new Error('boom');
    });
    expect(wrapped.length).toBe(3);
    const signal = new AbortController().signal;
    await expect(wrapped({}, 't', signal)).rejects.toThrow('boom');
    expect(seen).toEqual([signal]);
    expect(active.count).toBe(0);
  });
});

describe('on a Redis Cluster', () => {
  it('publishes and removes snapshots without CROSSSLOT errors', async () => {
    const cluster = await startRedisCluster();
    const client = createRedis(cluster.url, { name: 'ops-snapshots-cluster-test' });
    try {
      const clusterWriter = new SnapshotWriter(client);
      const at = await clusterWriter.publish(snapshot('c:1'), 60);
      expect(await stored(client, 'c:1')).toEqual({ snapshot: snapshot('c:1'), at });
      await clusterWriter.remove('c:1');
      expect(await stored(client, 'c:1')).toEqual({ snapshot: null, at: null });
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
