// Reading process snapshots back from a real Redis, as the gateways' hub does: only those published
// within the staleness window, stamped with the Redis clock; older and unparsable entries are left out.
import { PUBLISHED_AT_KEY, SNAPSHOTS_KEY, SnapshotWriter, type ProcessSnapshot } from '@switchyard/ops-snapshots';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisCluster, startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotReader } from '../src/snapshot-reader.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let writer: SnapshotWriter;
let reader: SnapshotReader;
const snapshot = (id: string): ProcessSnapshot => ({
  v: 1,
  id,
  component: 'gateway',
  samples: [['switchyard_time_to_first_event_seconds_count', {}, 1]],
});

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'ops-live-test' });
  writer = new SnapshotWriter(redis);
  reader = new SnapshotReader(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  await redis.del(SNAPSHOTS_KEY, PUBLISHED_AT_KEY);
});

describe('SnapshotReader', () => {
  it('returns what was published, stamped with the Redis clock', async () => {
    const at = await writer.publish(snapshot('h:1'), 60);
    const live = await reader.readLive(3_000);
    expect(live.snapshots).toEqual([{ ...snapshot('h:1'), at }]);
    expect(live.now).toBeGreaterThanOrEqual(at);
  });

  it('leaves out and deletes snapshots older than the staleness window', async () => {
    // A window wide enough for publish + read on a loaded machine, and a gap well past it.
    await writer.publish(snapshot('h:old'), 60);
    await new Promise((r) => setTimeout(r, 900));
    await writer.publish(snapshot('h:new'), 60);
    const live = await reader.readLive(400);
    expect(live.snapshots.map((s) => s.id)).toEqual(['h:new']);
    expect(await redis.hexists(SNAPSHOTS_KEY, 'h:old')).toBe(0);
    expect(await redis.zscore(PUBLISHED_AT_KEY, 'h:old')).toBeNull();
  });

  it('skips entries that are not snapshots', async () => {
    await writer.publish(snapshot('h:1'), 60);
    await writer.publish(snapshot('h:2'), 60);
    await redis.hset(SNAPSHOTS_KEY, 'h:2', '{"v":2}');
    const live = await reader.readLive(3_000);
    expect(live.snapshots.map((s) => s.id)).toEqual(['h:1']);
    expect(live.invalid).toBe(1);
  });

  it('no longer returns a snapshot its process removed', async () => {
    await writer.publish(snapshot('h:1'), 60);
    await writer.remove('h:1');
    expect((await reader.readLive(3_000)).snapshots).toEqual([]);
  });
});

describe('on a Redis Cluster', () => {
  it('reads snapshots without CROSSSLOT errors', async () => {
    const cluster = await startRedisCluster();
    const client = createRedis(cluster.url, { name: 'ops-live-cluster-test' });
    try {
      await new SnapshotWriter(client).publish(snapshot('c:1'), 60);
      expect((await new SnapshotReader(client).readLive(3_000)).snapshots.map((s) => s.id)).toEqual(['c:1']);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
