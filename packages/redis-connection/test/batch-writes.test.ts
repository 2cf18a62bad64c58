// Commands given in one tick leave in two socket writes at most (batchWritesPerTick: the first at once,
// the rest when the tick ends), on a single node, on every node of a cluster and after a reconnect;
// each still gets its own reply (a real redis-server).
import type { Duplex } from 'node:stream';
import { startRedisCluster, startRedisServer } from '@switchyard/redis-server';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, waitReady } from '../src/index.ts';

/** Counts the socket writes (one `_write` or `_writev` per write system call batch) of a connection. */
function countWrites(node: Redis): { writes: number } {
  const stream = (node as unknown as { stream: Duplex & { _write: unknown; _writev: unknown } }).stream;
  const counter = { writes: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = stream[method] as ((...a: unknown[]) => unknown) | undefined;
    if (!original) continue;
    stream[method] = (...args: unknown[]) => {
      counter.writes++;
      return original.apply(stream, args);
    };
  }
  return counter;
}

const inOneTick = (redis: { incr(key: string): Promise<number> }, key: string, n: number) =>
  Promise.all(Array.from({ length: n }, () => redis.incr(key)));

describe('the commands of a tick in at most two socket writes', () => {
  it('sends the first command of a tick at once and the rest in one write, and each gets its own reply', async () => {
    const server = await startRedisServer();
    try {
      const redis = createRedis(server.url, { name: 'test' }) as Redis;
      await waitReady(redis);
      const counter = countWrites(redis);
      expect(await inOneTick(redis, 'n', 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(counter.writes).toBe(2);
      // A lone command is written at once, before the tick ends.
      counter.writes = 0;
      const lone = redis.incr('lone');
      expect(counter.writes).toBe(1);
      await lone;

      const plain = createRedis(server.url, { name: 'test', batchWrites: false }) as Redis;
      await waitReady(plain);
      const plainCounter = countWrites(plain);
      await inOneTick(plain, 'p', 20);
      expect(plainCounter.writes).toBe(20);
      plain.disconnect();

      // A reconnect opens a new socket, which is set up too.
      (redis as unknown as { stream: Duplex }).stream.destroy();
      await new Promise((r) => setTimeout(r, 50));
      await waitReady(redis);
      const again = countWrites(redis);
      expect(await inOneTick(redis, 'n', 5)).toEqual([21, 22, 23, 24, 25]);
      expect(again.writes).toBe(2);
      redis.disconnect();
    } finally {
      await server.stop();
    }
  });

  it('on a cluster, each node connection writes at most twice per tick', async () => {
    const cluster = await startRedisCluster();
    try {
      const redis = createRedis(cluster.url, { name: 'test' });
      await waitReady(redis);
      // Keys on one slot: one node gets them all, in one write.
      const nodes = (redis as import('ioredis').Cluster).nodes('master');
      await Promise.all(nodes.map((n) => waitReady(n)));
      const counters = nodes.map(countWrites);
      expect(await inOneTick(redis, '{k}:a', 10)).toHaveLength(10);
      expect(counters.map((c) => c.writes).sort()).toEqual([0, 0, 2]);
      redis.disconnect();
    } finally {
      await cluster.stop();
    }
  });
});
