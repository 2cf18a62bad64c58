// Attaching at or past the end of a run's log: an ended run ends the attachment at once; a running
// run takes a position beyond its newest entry as the current end. Neither ever waits silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunLog, RunLogSubscriber, type RunLogEntry } from '../src/index.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let sub: RedisClient;
let log: RunLog;
let subscriber: RunLogSubscriber;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'test' });
  sub = createRedis(server.url, { name: 'test-sub' });
  log = new RunLog(redis, { maxEntries: 10_000, ttlSeconds: 60, orphanTtlSeconds: 600 });
  subscriber = new RunLogSubscriber(log, sub);
});

afterAll(async () => {
  redis.disconnect();
  sub.disconnect();
  await server.stop();
});

const ev = (n: number) => ({ kind: 'event' as const, json: JSON.stringify({ type: 'progress_update', text: `step ${n}` }) });

function collector() {
  const entries: RunLogEntry[] = [];
  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  return {
    entries,
    ended,
    sink: {
      onEntry(e: RunLogEntry) {
        entries.push(e);
        if (e.kind === 'end') resolveEnd();
      },
      onError(err: Error) {
        throw err;
      },
    },
  };
}

async function endedRun(runId: string): Promise<number> {
  await log.createRun(runId, 'alice', 'thr_1');
  await log.append(runId, [ev(1), ev(2), ev(3)]);
  await log.append(runId, [{ kind: 'end', end: { outcome: 'completed' } }]);
  return (await log.meta(runId))!.endedAt!;
}

describe('attaching at or past the end', () => {
  it('last() is the terminal entry of an ended run and null for an empty log', async () => {
    const endSeq = await endedRun('p0');
    expect(await log.last('p0')).toEqual({ seq: endSeq, kind: 'end', end: { outcome: 'completed' } });
    expect(await log.last('p-missing')).toBeNull();
  });

  it.each([
    ['at', 0],
    ['one past', 1],
    ['far past', 1_000_000],
  ])('an ended run attached %s its terminal seq delivers only the end, at once', async (_what, beyond) => {
    const runId = `p1-${beyond}`;
    const endSeq = await endedRun(runId);
    const c = collector();
    const started = performance.now();
    const attachment = await subscriber.attach(runId, endSeq + beyond, c.sink);
    await c.ended;
    // Far below the failure mode (waiting until the log expired), far above a loaded machine's noise.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(c.entries).toEqual([{ seq: endSeq, kind: 'end', end: { outcome: 'completed' } }]);
    expect(attachment.lastSeq).toBe(endSeq);
    await attachment.resync();
    attachment.detach();
    expect(subscriber.activeChannels).toBe(0);
  });

  it('an ended run attached just before its end gets the end through the ordinary catch-up', async () => {
    const endSeq = await endedRun('p2');
    const c = collector();
    await subscriber.attach('p2', endSeq - 1, c.sink);
    await c.ended;
    expect(c.entries.map((e) => e.kind)).toEqual(['end']);
  });

  it('a running run attached past its newest entry takes that as the current end: later entries and the end arrive', async () => {
    await log.createRun('p3', 'alice', 'thr_1');
    await log.append('p3', [ev(1), ev(2)]);
    const c = collector();
    const attachment = await subscriber.attach('p3', 50, c.sink);
    expect(attachment.lastSeq).toBe(2);
    await log.append('p3', [ev(3)]);
    await log.append('p3', [{ kind: 'end', end: { outcome: 'completed' } }]);
    await c.ended;
    expect(c.entries.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('a running run attached exactly at its newest entry waits for what comes next', async () => {
    await log.createRun('p4', 'alice', 'thr_1');
    await log.append('p4', [ev(1), ev(2)]);
    const c = collector();
    await subscriber.attach('p4', 2, c.sink);
    expect(c.entries).toEqual([]);
    await log.append('p4', [ev(3), { kind: 'end', end: { outcome: 'cancelled' } }]);
    await c.ended;
    expect(c.entries.map((e) => e.seq)).toEqual([3, 4]);
  });
});
