// The per-user cap on open SSE attaches, held in Redis so it spans gateways: the N+1th is refused
// with 429 and Retry-After, other users are unaffected, a release frees a slot, and a lease its
// gateway stopped renewing expires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TooManyRequests } from '@switchyard/errors';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { AttachLimiter } from '../src/index.ts';

let server: RedisServerHandle;
let redis: RedisClient;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'test' });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const held = (owner: string) => redis.zcard(`{user:${owner}}:attaches`);

describe('AttachLimiter', () => {
  it('refuses the N+1th attach of a user with 429 and Retry-After; another user is unaffected; a release frees a slot', async () => {
    const limiter = new AttachLimiter(redis, { maxPerUser: 3 });
    const leases = await Promise.all([1, 2, 3].map(() => limiter.acquire('alice')));
    const refused = await limiter.acquire('alice').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TooManyRequests);
    expect((refused as TooManyRequests).status).toBe(429);
    expect((refused as TooManyRequests).retryAfterSeconds).toBeGreaterThan(0);
    expect(await held('alice')).toBe(3);

    const bob = await limiter.acquire('bob');
    leases[0]!.release();
    leases[0]!.release(); // idempotent: frees one slot, not two
    await expect.poll(() => held('alice')).toBe(2);
    const again = await limiter.acquire('alice');
    await expect(limiter.acquire('alice')).rejects.toBeInstanceOf(TooManyRequests);
    for (const l of [...leases, again, bob]) l.release();
    await expect.poll(async () => (await held('alice')) + (await held('bob'))).toBe(0);
    expect(limiter.size).toBe(0);
  });

  it('counts across gateways: two limiters on the same Redis share one cap', async () => {
    const a = new AttachLimiter(redis, { maxPerUser: 2 });
    const b = new AttachLimiter(redis, { maxPerUser: 2 });
    const one = await a.acquire('carol');
    const two = await b.acquire('carol');
    await expect(a.acquire('carol')).rejects.toBeInstanceOf(TooManyRequests);
    await expect(b.acquire('carol')).rejects.toBeInstanceOf(TooManyRequests);
    one.release();
    two.release();
  });

  it('drops leases of a gateway that stopped renewing them, and renews its own while they are open', async () => {
    const crashed = createRedis(server.url, { name: 'crashed' });
    const dead = new AttachLimiter(crashed, { maxPerUser: 1, leaseMs: 300 });
    await dead.acquire('dave');
    // The "crashed" gateway never renews or releases.
    crashed.disconnect();
    const live = new AttachLimiter(redis, { maxPerUser: 1, leaseMs: 3_000 });
    await expect(live.acquire('dave')).rejects.toBeInstanceOf(TooManyRequests);
    await new Promise((r) => setTimeout(r, 400));
    const lease = await live.acquire('dave');

    // Renewed every second (a third of the lease, at least 1 s): still held after the first lease ran out.
    const renewing = new AttachLimiter(redis, { maxPerUser: 1, leaseMs: 1_500 });
    const erin = await renewing.acquire('erin');
    await new Promise((r) => setTimeout(r, 2_200));
    await expect(renewing.acquire('erin')).rejects.toBeInstanceOf(TooManyRequests);
    erin.release();
    lease.release();
  });

  it('is off at 0: no Redis work, no refusal', async () => {
    const limiter = new AttachLimiter(redis, { maxPerUser: 0 });
    const leases = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire('frank')));
    expect(await held('frank')).toBe(0);
    for (const l of leases) l.release();
  });
});
