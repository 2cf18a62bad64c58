// An attachment across a Redis outage: it stays attached while Redis is away, its live subscription
// comes back with the connection, and it resyncs from the log, delivering each seq exactly once. It
// gives up (onError, once) only when Redis stays unreachable, or unanswering, past the outage window.
// Against a private redis-server that is really restarted, and a cuttable link in front of one.
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunLog, RunLogSubscriber, runKeys, type RunLogEntry } from '../src/index.ts';
import { startRedisLink } from './redis-link.ts';

const limits = { maxEntries: 10_000, ttlSeconds: 60, orphanTtlSeconds: 600 };
const ev = (n: number) => ({ kind: 'event' as const, json: JSON.stringify({ type: 'progress_update', text: `step ${n}` }) });
const END = { kind: 'end' as const, end: { outcome: 'completed' as const } };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A gateway's two connections (commands and subscriber) to `url`, opened with `outageWindowMs`. */
function gatewaySide(url: string, outageWindowMs: number) {
  const redis = createRedis(url, { name: 'gateway-main', outageWindowMs });
  const sub = createRedis(url, { name: 'gateway-sub', outageWindowMs });
  cleanups.push(() => {
    redis.disconnect();
    sub.disconnect();
  });
  const log = new RunLog(redis, limits);
  return { redis, sub, log, subscriber: new RunLogSubscriber(log, sub, { outageWindowMs }) };
}

/** A worker's connection, straight to Redis. */
function writer(url: string): RunLog {
  const redis = createRedis(url, { name: 'writer' });
  cleanups.push(() => redis.disconnect());
  return new RunLog(redis, limits);
}

function collector() {
  const entries: RunLogEntry[] = [];
  const errors: Error[] = [];
  let resolveEnd!: () => void;
  let resolveError!: (err: Error) => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const failed = new Promise<Error>((r) => (resolveError = r));
  return {
    entries,
    errors,
    ended,
    failed,
    sink: {
      onEntry(e: RunLogEntry) {
        entries.push(e);
        if (e.kind === 'end') resolveEnd();
      },
      onError(err: Error) {
        errors.push(err);
        resolveError(err);
      },
    },
  };
}

/** Resolves once `client` has noticed it lost its connection. */
async function lost(client: RedisClient): Promise<void> {
  while (client.status === 'ready') await new Promise((r) => setTimeout(r, 10));
}

/** Resolves once Redis counts a subscriber on the run's live channel again. */
async function resubscribed(redis: RedisClient, runId: string): Promise<void> {
  const channel = runKeys(runId).channel;
  for (;;) {
    const [, count] = (await redis.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
    if (count > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const seqs = (entries: RunLogEntry[]) => entries.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('an attachment across a Redis outage', () => {
  it('survives a restart of Redis: entries appended afterwards arrive once each, and nothing ends it early', async () => {
    let server: RedisServerHandle = await startRedisServer();
    cleanups.push(() => server.stop());
    const gw = gatewaySide(server.url, 60_000);
    const w = writer(server.url);
    await w.createRun('restart', 'alice', 'thr_1');
    const c = collector();
    const attachment = await gw.subscriber.attach('restart', 0, c.sink);

    const port = server.port;
    await server.stop();
    await lost(gw.sub);
    // No persistence: the restarted Redis is empty, so the run is created again, as after a restore.
    server = await startRedisServer({ port });
    await resubscribed(w.redis, 'restart');
    await w.createRun('restart', 'alice', 'thr_1');
    for (let n = 1; n <= 5; n++) await w.append('restart', [ev(n)]);
    await w.append('restart', [END]);

    await c.ended;
    expect(seqs(c.entries)).toEqual(range(1, 6));
    expect(c.entries.at(-1)).toEqual({ seq: 6, ...END });
    expect(c.errors).toEqual([]);
    expect(attachment.lastSeq).toBe(6);
    expect(gw.subscriber.activeChannels).toBe(0);
  });

  it('catches up once each what was appended while it was cut off, and follows live again', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const link = await startRedisLink(server.port);
    cleanups.push(() => link.close());
    const gw = gatewaySide(link.url, 60_000);
    const w = writer(server.url);
    await w.createRun('cut', 'alice', 'thr_1');
    await w.append('cut', [ev(1), ev(2), ev(3)]);
    const c = collector();
    await gw.subscriber.attach('cut', 0, c.sink);
    expect(seqs(c.entries)).toEqual([1, 2, 3]);

    link.cut();
    await Promise.all([lost(gw.sub), lost(gw.redis)]);
    // Their live messages are published to nobody: only the log has them.
    for (let n = 4; n <= 8; n++) await w.append('cut', [ev(n)]);
    link.restore();
    await resubscribed(w.redis, 'cut');
    await w.append('cut', [ev(9), ev(10)]);
    await w.append('cut', [END]);

    await c.ended;
    expect(seqs(c.entries)).toEqual(range(1, 11));
    expect(c.errors).toEqual([]);
  });

  it('gives up once, with onError, when Redis stays unreachable past the outage window', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const link = await startRedisLink(server.port);
    cleanups.push(() => link.close());
    const gw = gatewaySide(link.url, 1_500);
    const w = writer(server.url);
    await w.createRun('long', 'alice', 'thr_1');
    await w.append('long', [ev(1)]);
    const c = collector();
    await gw.subscriber.attach('long', 0, c.sink);

    link.cut();
    const err = await c.failed;
    expect(err).toBeInstanceOf(Error);
    // Given up for good: what is appended after Redis is back does not reach the sink.
    link.restore();
    await w.append('long', [ev(2), END]);
    await gw.redis.ping();
    expect(c.errors).toHaveLength(1);
    expect(seqs(c.entries)).toEqual([1]);
    expect(gw.subscriber.activeChannels).toBe(0);
  });

  it('gives up when a read stays unanswered past the outage window (a connection that hangs instead of closing)', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const link = await startRedisLink(server.port);
    cleanups.push(() => link.close());
    const gw = gatewaySide(link.url, 1_500);
    const w = writer(server.url);
    await w.createRun('hung', 'alice', 'thr_1');
    await w.append('hung', [ev(1)]);
    const c = collector();
    const attachment = await gw.subscriber.attach('hung', 0, c.sink);

    link.hang();
    await attachment.resync(); // what a heartbeat does; it never rejects
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]!.message).toMatch(/outage window/);
    expect(seqs(c.entries)).toEqual([1]);
    link.cut();
  });
});
