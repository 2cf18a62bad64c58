// A Redis that comes back within the outage window fails no command: commands issued while it is down
// wait, in order, and run when it is back; past the window they fail (against a real redis-server
// stopped and started again on the same port).
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { describe, expect, it } from 'vitest';
import { createRedis, reconnectDelay, retriesForWindow } from '../src/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('retriesForWindow', () => {
  it('gives the fewest reconnect attempts whose delays cover the window', () => {
    for (const windowMs of [1, 700, 10_000, 15_000, 60_000]) {
      const n = retriesForWindow(windowMs);
      const waited = (k: number) => Array.from({ length: k }, (_, i) => reconnectDelay(i + 1)).reduce((a, b) => a + b, 0);
      expect(waited(n)).toBeGreaterThanOrEqual(windowMs);
      expect(waited(n - 1)).toBeLessThan(windowMs);
    }
  });
});

describe('a Redis restart', () => {
  it('within the window: commands issued during the outage run in order once it is back', async () => {
    let server: RedisServerHandle = await startRedisServer();
    const port = server.port;
    const redis = createRedis(server.url, { name: 'test', outageWindowMs: 10_000 });
    await redis.set('k', 'before');
    await server.stop();
    const results = [redis.rpush('order', 'a'), redis.rpush('order', 'b'), redis.rpush('order', 'c')];
    await sleep(1_500);
    server = await startRedisServer({ port });
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect(await redis.lrange('order', 0, -1)).toEqual(['a', 'b', 'c']);
    redis.disconnect();
    await server.stop();
  });

  it('past the window: a command fails instead of waiting forever', async () => {
    let server: RedisServerHandle = await startRedisServer();
    const port = server.port;
    const redis = createRedis(server.url, { name: 'test', outageWindowMs: 300 });
    await redis.ping();
    await server.stop();
    const failed = redis.ping().then(
      () => 'ran',
      (err: Error) => err.name,
    );
    expect(await failed).toBe('MaxRetriesPerRequestError');
    server = await startRedisServer({ port });
    redis.disconnect();
    await server.stop();
  });
});
