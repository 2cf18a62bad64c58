// Process snapshots in a real Redis: publish stamps them with the server's clock, reads return only
// live ones and delete the stale, a stopping publisher removes its own entry, and the keys stay in
// one `{sy:ops}` cluster slot.
import { createMetrics } from '@switchyard/metrics';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisCluster, startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActiveJobs } from '../src/active-jobs.ts';
import { startSnapshotPublisher } from '../src/publisher.ts';
import { OPS_METRIC_NAMES, parseSnapshot, type ProcessSnapshot } from '../src/snapshot.ts';
import { PUBLISHED_AT_KEY, SNAPSHOTS_KEY, SnapshotStore } from '../src/snapshot-store.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let store: SnapshotStore;
const snapshot = (id: string): ProcessSnapshot => ({ v: 1, id, component: 'gateway', samples: [['switchyard_time_to_first_event_seconds_count', {}, 1]] });

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'ops-live-test' });
  store = new SnapshotStore(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  await redis.del(SNAPSHOTS_KEY, PUBLISHED_AT_KEY);
});

describe('SnapshotStore', () => {
  it('keeps both keys in one cluster slot', () => {
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    expect(tag(SNAPSHOTS_KEY)).toBe('sy:ops');
    expect(tag(PUBLISHED_AT_KEY)).toBe('sy:ops');
  });

  it('returns what was published, stamped with the Redis clock, and expires the keys', async () => {
    const at = await store.publish(snapshot('h:1'), 60);
    const live = await store.readLive(3_000);
    expect(live.snapshots).toEqual([{ ...snapshot('h:1'), at }]);
    expect(live.now).toBeGreaterThanOrEqual(at);
    expect(await redis.ttl(SNAPSHOTS_KEY)).toBeGreaterThan(0);
    expect(await redis.ttl(PUBLISHED_AT_KEY)).toBeGreaterThan(0);
  });

  it('leaves out and deletes snapshots older than the staleness window', async () => {
    // A window wide enough for publish + read on a loaded machine, and a gap well past it.
    await store.publish(snapshot('h:old'), 60);
    await new Promise((r) => setTimeout(r, 900));
    await store.publish(snapshot('h:new'), 60);
    const live = await store.readLive(400);
    expect(live.snapshots.map((s) => s.id)).toEqual(['h:new']);
    expect(await redis.hexists(SNAPSHOTS_KEY, 'h:old')).toBe(0);
    expect(await redis.zscore(PUBLISHED_AT_KEY, 'h:old')).toBeNull();
  });

  it('skips entries that are not snapshots', async () => {
    await store.publish(snapshot('h:1'), 60);
    await store.publish(snapshot('h:2'), 60);
    await redis.hset(SNAPSHOTS_KEY, 'h:2', '{"v":2}');
    const live = await store.readLive(3_000);
    expect(live.snapshots.map((s) => s.id)).toEqual(['h:1']);
    expect(live.invalid).toBe(1);
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
    const [snap] = (await store.readLive(3_000)).snapshots;
    expect(snap).toMatchObject({ id: 'host:42', component: 'generation-worker', load: { queue: 'runs', active: 1, concurrency: 8 } });
    const names = new Set(snap!.samples.map(([name]) => name.replace(/_(bucket|sum|count)$/, '')));
    expect([...names].every((n) => OPS_METRIC_NAMES.includes(n))).toBe(true);
    expect(snap!.samples).toContainEqual(['switchyard_run_duration_seconds_count', { outcome: 'completed' }, 1]);
    expect(snap!.samples.some(([, labels]) => 'component' in labels)).toBe(false);
    release();
    await running;
    await publisher.stop();
    expect((await store.readLive(3_000)).snapshots).toEqual([]);
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
  it('publishes, reads and removes snapshots without CROSSSLOT errors', async () => {
    const cluster = await startRedisCluster();
    const client = createRedis(cluster.url, { name: 'ops-live-cluster-test' });
    try {
      const clusterStore = new SnapshotStore(client);
      await clusterStore.publish(snapshot('c:1'), 60);
      expect((await clusterStore.readLive(3_000)).snapshots.map((s) => s.id)).toEqual(['c:1']);
      await clusterStore.remove('c:1');
      expect((await clusterStore.readLive(3_000)).snapshots).toEqual([]);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
