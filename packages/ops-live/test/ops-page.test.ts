// The hub, the `/ops` routes and the live WebSocket over real HTTP, a real Redis and real BullMQ
// queues: figures computed from published snapshots, Basic auth on the page, token-only upgrades.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics, type SwitchyardMetrics } from '@switchyard/metrics';
import { startSnapshotPublisher, type SnapshotPublisher } from '@switchyard/ops-snapshots';
import { createQueue, IMAGE_INGEST_QUEUE, RUNS_QUEUE } from '@switchyard/queues';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OpsHub } from '../src/hub.ts';
import { attachLiveSocket, type LiveMessage, type LiveSocketServer } from '../src/live-socket.ts';
import { LiveTokens } from '../src/live-token.ts';
import { createOpsRouter } from '../src/router.ts';
import { SnapshotReader } from '../src/snapshot-reader.ts';

const creds = { viewerToken: 'viewer-token-0123456789', operatorToken: 'operator-token-0123456789' };
const basic = (user: string, token: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` });

let redisServer: RedisServerHandle;
let redis: RedisClient;
let runsQueue: ReturnType<typeof createQueue>;
let ingestQueue: ReturnType<typeof createQueue>;
let hub: OpsHub;
let server: Server;
let live: LiveSocketServer;
let base: string;
let worker: SwitchyardMetrics;
let gateway: SwitchyardMetrics;
let publishers: SnapshotPublisher[];

beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = createRedis(redisServer.url, { name: 'ops-page-test' });
  runsQueue = createQueue(RUNS_QUEUE, { redisUrl: redisServer.url });
  ingestQueue = createQueue(IMAGE_INGEST_QUEUE, { redisUrl: redisServer.url });
  worker = createMetrics('generation-worker', { defaultMetrics: false });
  gateway = createMetrics('gateway', { defaultMetrics: false });
  // Interval 0: the tests publish and tick by hand.
  publishers = [
    startSnapshotPublisher({
      redis,
      registry: worker.registry,
      component: 'generation-worker',
      intervalMs: 0,
      id: 'w:1',
      load: () => ({ queue: RUNS_QUEUE, active: 3, concurrency: 8 }),
    }),
    startSnapshotPublisher({ redis, registry: gateway.registry, component: 'gateway', intervalMs: 0, id: 'g:1' }),
  ];
  hub = new OpsHub({
    snapshots: new SnapshotReader(redis),
    queues: [
      { name: RUNS_QUEUE, queue: runsQueue },
      { name: IMAGE_INGEST_QUEUE, queue: ingestQueue },
    ],
    intervalMs: 60_000, // everything counts as live; the hub is never started
  });
  const tokens = new LiveTokens(creds);
  const app = express();
  app.use(createOpsRouter({ credentials: creds, tokens }));
  server = app.listen(0);
  live = attachLiveSocket(server, { hub, tokens, intervalMs: 1_000 });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await live?.close();
  server?.close();
  await hub?.stop();
  await runsQueue?.close();
  await ingestQueue?.close();
  redis?.disconnect();
  await redisServer?.stop();
});

const publish = () => Promise.all(publishers.map((p) => p.publishNow()));

async function token(): Promise<string> {
  const res = await fetch(`${base}/ops/live-token`, { headers: basic('viewer', creds.viewerToken) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** Opens a socket and collects its messages; resolves once it is open, rejects with the refusal status. */
function connect(url: string): Promise<{ ws: WebSocket; messages: LiveMessage[]; next(n: number): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: LiveMessage[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as LiveMessage);
      for (const w of waiters.splice(0)) w();
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        next: async (n) => {
          while (messages.length < n) await new Promise<void>((r) => waiters.push(r));
        },
      }),
    );
  });
}

describe('OpsHub', () => {
  it('computes cluster figures from the processes’ snapshots and the queues', async () => {
    await runsQueue.add('run', { n: 1 });
    await runsQueue.add('run', { n: 2 }, { delay: 60_000 });
    await publish();
    const first = await hub.tick();
    expect(first.runs.perSecond).toBeNull(); // one tick is no window

    for (let i = 0; i < 4; i++) worker.chat.runDuration.observe({ outcome: 'completed' }, 2);
    worker.chat.runDuration.observe({ outcome: 'failed' }, 1);
    for (const s of [0.002, 0.003, 0.2]) worker.queues.waitTime.observe({ queue: RUNS_QUEUE }, s);
    gateway.chat.timeToFirstEvent.observe(0.02);
    await publish();
    await new Promise((r) => setTimeout(r, 20));
    const point = await hub.tick();

    expect(point.runs.perSecond).toBeGreaterThan(0);
    expect(point.runs.errorRate).toBeCloseTo(0.2, 10);
    const runs = point.queues.find((q) => q.name === RUNS_QUEUE)!;
    expect(runs.jobs).toMatchObject({ waiting: 1, delayed: 1 });
    expect(runs.wait.p50).toBeGreaterThan(0.0025);
    expect(runs.wait.p50).toBeLessThanOrEqual(0.005);
    expect(point.ttfe.p50).toBeGreaterThan(0.01);
    expect(point.processes).toEqual([
      { id: 'g:1', component: 'gateway' },
      { id: 'w:1', component: 'generation-worker', queue: RUNS_QUEUE, active: 3, concurrency: 8 },
    ]);
    expect(hub.history().slice(-2)).toEqual([first, point]);
  });
});

describe('/ops', () => {
  it('asks for the viewer or operator credentials', async () => {
    const anon = await fetch(`${base}/ops`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Basic');
    expect((await fetch(`${base}/ops`, { headers: basic('viewer', 'wrong-token-0123456789') })).status).toBe(401);
    expect((await fetch(`${base}/ops/live-token`)).status).toBe(401);
    for (const [user, pass] of [
      ['viewer', creds.viewerToken],
      ['operator', creds.operatorToken],
    ] as const) {
      const res = await fetch(`${base}/ops`, { headers: basic(user, pass) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await res.text()).toContain('data-testid="runs-per-second"');
    }
  });

  it('serves its script and stylesheet itself', async () => {
    const js = await fetch(`${base}/ops/ops.js`, { headers: basic('viewer', creds.viewerToken) });
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).toContain('live-token');
    const css = await fetch(`${base}/ops/ops.css`, { headers: basic('viewer', creds.viewerToken) });
    expect(css.headers.get('content-type')).toContain('text/css');
  });
});

describe('/ops/live', () => {
  it('refuses an upgrade without a valid token before upgrading', async () => {
    await expect(connect(`${base.replace('http', 'ws')}/ops/live`)).rejects.toThrow('refused 401');
    await expect(connect(`${base.replace('http', 'ws')}/ops/live?token=forged`)).rejects.toThrow('refused 401');
    const other = await new LiveTokens({ viewerToken: 'another-viewer-token-0123' }).issue('viewer');
    await expect(connect(`${base.replace('http', 'ws')}/ops/live?token=${other}`)).rejects.toThrow('refused 401');
  });

  it('hangs up upgrades on other paths when nobody else handles them', async () => {
    await expect(connect(`${base.replace('http', 'ws')}/chatkit`)).rejects.toThrow();
  });

  it('sends the history on connect, then every new point, and closes sockets on shutdown', async () => {
    const client = await connect(`${base.replace('http', 'ws')}/ops/live?token=${await token()}`);
    await client.next(1);
    const hello = client.messages[0]!;
    expect(hello.type).toBe('history');
    if (hello.type === 'history') expect(hello.points.length).toBe(hub.history().length);
    await hub.tick();
    await client.next(2);
    expect(client.messages[1]!.type).toBe('point');
    expect(live.clients).toBe(1);

    const closed = new Promise<number>((r) => client.ws.once('close', (code) => r(code)));
    await live.close();
    expect(await closed).toBe(1001);
  });
});
