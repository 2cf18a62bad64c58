// A worker's control connection that loses Redis still hears a cancel asked for meanwhile: its
// subscriptions come back with the connection and the watched runs' meta is read again (the
// published message itself was lost). Real redis-server behind a cuttable link.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runKeys } from '../src/keys.ts';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunControl } from '../src/index.ts';
import { startRedisLink } from './redis-link.ts';

let server: RedisServerHandle;
let direct: RedisClient;
beforeAll(async () => {
  server = await startRedisServer();
  direct = createRedis(server.url, { name: 'gateway-side' });
});
afterAll(async () => {
  direct?.disconnect();
  await server?.stop();
});

it('a cancel requested while the control connection was cut reaches the watcher when it is back', async () => {
  const link = await startRedisLink(server.port);
  const sub = createRedis(link.url, { name: 'worker-control' });
  // No polling here: this is about the reconnect path (the poll is tested below).
  const worker = new RunControl(direct, sub, { pollMs: 60_000 });
  const heard: string[] = [];
  const unwatch = await worker.watch('r-cut', (req) => heard.push(req.reason));
  link.cut();
  await new Promise((r) => setTimeout(r, 300));
  // The gateway side still reaches Redis: the cancel is recorded and published to nobody.
  const gatewaySub = createRedis(server.url, { name: 'gateway-control' });
  await new RunControl(direct, gatewaySub).requestCancel('r-cut', 'user pressed stop');
  gatewaySub.disconnect();
  expect(heard).toEqual([]);
  link.restore();
  for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(heard).toEqual(['user pressed stop']);
  // And the subscription is live again: a later cancel arrives as a message.
  await direct.spublish('{run:r-cut}:control', JSON.stringify({ reason: 'again' }));
  for (let i = 0; i < 100 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  expect(heard).toEqual(['user pressed stop', 'again']);
  unwatch();
  sub.disconnect();
  await link.close();
});

it('a cancel whose message is lost while the connection stays up reaches the watcher by the poll', async () => {
  const sub = createRedis(server.url, { name: 'worker-control' });
  const worker = new RunControl(direct, sub, { pollMs: 200 });
  const heard: string[] = [];
  const unwatch = await worker.watch('r-lost', (req) => heard.push(req.reason));
  // Recorded, never published: what a subscriber sees when pub/sub drops the message.
  await direct.hset(runKeys('r-lost').meta, 'cancel', 'lost message');
  for (let i = 0; i < 40 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(heard).toEqual(['lost message']);
  // Told once: later polls that find the same flag tell nobody again.
  await new Promise((r) => setTimeout(r, 600));
  expect(heard).toEqual(['lost message']);
  unwatch();
  sub.disconnect();
});
