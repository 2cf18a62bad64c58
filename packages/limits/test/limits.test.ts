import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TooManyRequests, Conflict } from '@switchyard/errors';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { Limits } from '../src/index.ts';

let server: RedisServerHandle;
let redis: RedisClient;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'limits-test' });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('Limits', () => {
  it('refuses requests over the per-minute rate with a Retry-After', async () => {
    const limits = new Limits(redis, { requestsPerMinute: 3, concurrentRunsPerUser: 0, leaseMs: 60_000 });
    for (let i = 0; i < 3; i++) await limits.consumeRequest('rate-user');
    const err = await limits.consumeRequest('rate-user').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyRequests);
    expect((err as TooManyRequests).retryAfterSeconds).toBeGreaterThan(0);
    await limits.consumeRequest('someone-else');
  });

  it('allows one active run per thread and only its holder releases it', async () => {
    const limits = new Limits(redis, { requestsPerMinute: 0, concurrentRunsPerUser: 0, leaseMs: 60_000 });
    await limits.acquireThread('thr_1', 'run_a');
    await expect(limits.acquireThread('thr_1', 'run_b')).rejects.toBeInstanceOf(Conflict);
    await limits.releaseThread('thr_1', 'run_b');
    await expect(limits.acquireThread('thr_1', 'run_b')).rejects.toBeInstanceOf(Conflict);
    await limits.releaseThread('thr_1', 'run_a');
    await limits.acquireThread('thr_1', 'run_b');
  });

  it('caps concurrent runs per user, and a lease that expires frees its slot', async () => {
    const limits = new Limits(redis, { requestsPerMinute: 0, concurrentRunsPerUser: 2, leaseMs: 1_500 }); // leases outlive a loaded machine's round trips
    await limits.acquireRunSlot('u', 'r1');
    await limits.acquireRunSlot('u', 'r2');
    const err = await limits.acquireRunSlot('u', 'r3').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyRequests);
    await limits.releaseRunSlot('u', 'r1');
    await limits.acquireRunSlot('u', 'r3');
    await new Promise((r) => setTimeout(r, 1_600));
    await limits.acquireRunSlot('u', 'r4');
    await limits.acquireRunSlot('u', 'r5');
  });
});
