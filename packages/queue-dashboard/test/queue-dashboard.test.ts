// The dashboard's roles over real HTTP with real BullMQ queues on a private Redis.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, RUNS_QUEUE } from '@switchyard/queues';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { createQueueDashboard } from '../src/index.ts';

let redis: RedisServerHandle;
let server: Server;
let base: string;
let queue: ReturnType<typeof createQueue>;
const auth = (user: string, token: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` });
const viewer = auth('viewer', 'viewer-token-0123456789');
const operator = auth('operator', 'operator-token-0123456789');

beforeAll(async () => {
  redis = await startRedisServer();
  queue = createQueue(RUNS_QUEUE, { redisUrl: redis.url });
  await queue.add('run', { n: 1 }, { delay: 60_000 });
  const app = express();
  app.use(
    createQueueDashboard({
      queues: [queue],
      basePath: '/admin/queues',
      viewerToken: 'viewer-token-0123456789',
      operatorToken: 'operator-token-0123456789',
    }),
  );
  server = app.listen(0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await queue?.close();
  await redis?.stop();
});

describe('queue dashboard', () => {
  it('asks for credentials and refuses wrong ones', async () => {
    const anon = await fetch(`${base}/admin/queues/api/queues`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Basic');
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: auth('operator', 'wrong') })).status).toBe(401);
  });

  it('shows viewers every queue read-only and keeps them off the operator board', async () => {
    const res = await fetch(`${base}/admin/queues/view/api/queues`, { headers: viewer });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((q) => [q.name, q.readOnlyMode])).toEqual([[RUNS_QUEUE, true]]);
    expect((await fetch(`${base}/admin/queues/api/queues`, { headers: viewer })).status).toBe(403);
    const promote = await fetch(`${base}/admin/queues/view/api/queues/${RUNS_QUEUE}/promote`, { method: 'PUT', headers: viewer });
    expect(promote.status).toBeGreaterThanOrEqual(400);
    expect(await queue.getDelayedCount()).toBe(1);
  });

  it('lets operators act on jobs', async () => {
    const page = await fetch(`${base}/admin/queues`, { headers: operator });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const promote = await fetch(`${base}/admin/queues/api/queues/${RUNS_QUEUE}/promote`, { method: 'PUT', headers: operator });
    expect(promote.status).toBe(200);
    expect(await queue.getDelayedCount()).toBe(0);
  });
});
