// Dependencies that go away (issue 5): readiness reports the outage, requests get a clear 503,
// no process crashes, and everything recovers by itself when the dependency is back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer } from '@switchyard/redis-server';
import { startMongoTestServer } from '@switchyard/mongo-test-server';
import { postChatKit, postJson } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

let sys: System;
let gw: string;
const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

beforeAll(async () => {
  if (process.env.MONGODB_URL) return;
  sys = await startSystem({ transport: 'http' });
  gw = sys.gateways[0]!.url;
});
afterAll(async () => {
  await sys?.stop();
});

async function readyStatus(): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const res = await fetch(`${gw}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
}

async function until(pred: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function conversationWorks(): Promise<boolean> {
  const s = await postChatKit(gw, { type: 'threads.create', params: { input: input('are you back?') } });
  if (s.status !== 200) return false;
  await s.done;
  return (s.events[s.events.length - 1]?.data as { type?: string } | undefined)?.type === 'thread.item.done';
}

it.skipIf(!!process.env.MONGODB_URL)(
  'MongoDB down: readiness fails, requests answer 503 with a clear body, then everything recovers',
  async () => {
    const mongo = sys.embedded.mongo!;
    await mongo.close();
    await until(async () => (await readyStatus()).status === 503);
    expect((await readyStatus()).body.checks.mongodb).not.toBe('ok');
    const res = await postJson(gw, { type: 'threads.list', params: {} });
    expect(res.status).toBe(503);
    expect((res.body as { error: { message: string } }).error.message).toMatch(/mongodb is unavailable/);
    sys.embedded.mongo = await startMongoTestServer({ port: mongo.port });
    await until(async () => (await readyStatus()).status === 200);
    await until(conversationWorks);
    for (const p of sys.processes) expect(p.child.exitCode).toBeNull();
  },
  120_000,
); // its waits add up to more than the default 60 s on a loaded machine

it.skipIf(!!process.env.MONGODB_URL)(
  'Redis restarted: readiness reports it, services reconnect by themselves, no process crashes',
  async () => {
    const redis = sys.embedded.redis!;
    await redis.stop();
    await until(async () => (await readyStatus()).status === 503);
    expect((await readyStatus()).body.checks.redis).not.toBe('ok');
    const res = await postJson(gw, { type: 'threads.list', params: {} });
    expect(res.status).toBe(200); // JSON reads need only MongoDB
    sys.embedded.redis = await startRedisServer({ port: redis.port });
    await until(async () => (await readyStatus()).status === 200, 30_000);
    await until(conversationWorks, 30_000);
    for (const p of sys.processes) expect(p.child.exitCode).toBeNull();
  },
  120_000,
); // its waits add up to more than the default 60 s on a loaded machine
