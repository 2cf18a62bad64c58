import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { RunEventSequencer, RunLog, RunLogSubscriber, runKeys, type RunLogEntry } from '../src/index.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let sub: RedisClient;
let log: RunLog;
let subscriber: RunLogSubscriber;
const limits = { maxEntries: 10_000, ttlSeconds: 60, orphanTtlSeconds: 600 };

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'test' });
  sub = createRedis(server.url, { name: 'test-sub' });
  log = new RunLog(redis, limits);
  subscriber = new RunLogSubscriber(log, sub);
});

afterAll(async () => {
  redis.disconnect();
  sub.disconnect();
  await server.stop();
});

const ev = (n: number) => JSON.stringify({ type: 'progress_update', text: `step ${n}` });

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

describe('run log', () => {
  it('assigns consecutive seqs across batches and reads after a seq', async () => {
    await log.createRun('r1', 'alice', 'thr_1');
    expect(
      await log.append('r1', [
        { kind: 'event', json: ev(1) },
        { kind: 'event', json: ev(2) },
      ]),
    ).toBe(1);
    expect(await log.append('r1', [{ kind: 'event', json: ev(3) }])).toBe(3);
    const after1 = await log.read('r1', 1);
    expect(after1.map((e) => e.seq)).toEqual([2, 3]);
    expect(after1[0]).toEqual({ seq: 2, kind: 'event', json: ev(2) });
    const meta = await log.meta('r1');
    expect(meta).toMatchObject({ owner: 'alice', threadId: 'thr_1', seq: 3 });
  });

  it('refuses appends after the terminal entry and shortens the ttl', async () => {
    await log.createRun('r2', 'alice', 'thr_1');
    await log.append('r2', [
      { kind: 'event', json: ev(1) },
      { kind: 'end', end: { outcome: 'completed' } },
    ]);
    await expect(log.append('r2', [{ kind: 'event', json: ev(2) }])).rejects.toThrow(/already ended/);
    expect(await redis.ttl(runKeys('r2').log)).toBeLessThanOrEqual(60);
    expect((await log.meta('r2'))?.endedAt).toBe(2);
  });

  it("sets an open run's ttl on its first batch and then every 100 entries, not on every batch", async () => {
    await log.createRun('ttl', 'alice', 'thr_1');
    await log.append('ttl', [{ kind: 'event', json: ev(1) }]);
    const k = runKeys('ttl');
    expect(await redis.ttl(k.log)).toBeGreaterThan(590);
    await redis.expire(k.log, 30);
    await redis.expire(k.meta, 30);
    await log.append('ttl', [{ kind: 'event', json: ev(2) }]);
    expect(await redis.ttl(k.log)).toBeLessThanOrEqual(30);
    // Entries 3..99, then 100..101: the batch that reaches seq 100 refreshes both keys.
    await log.append(
      'ttl',
      Array.from({ length: 97 }, (_, i) => ({ kind: 'event' as const, json: ev(i + 3) })),
    );
    expect(await redis.ttl(k.meta)).toBeLessThanOrEqual(30);
    await log.append('ttl', [
      { kind: 'event', json: ev(100) },
      { kind: 'event', json: ev(101) },
    ]);
    expect(await redis.ttl(k.log)).toBeGreaterThan(590);
    expect(await redis.ttl(k.meta)).toBeGreaterThan(590);
  });

  it('a batch sent again after its reply was lost appends nothing (the sequencer tokens every batch)', async () => {
    await log.createRun('r3b', 'alice', 'thr_1');
    await redis.hset(runKeys('r3b').meta, 'fence', 'attempt-1');
    // What ioredis does across a reconnect: a command Redis ran but never answered is sent again,
    // identically. Every append of this log runs twice; the sequencer's batch tokens make the second a
    // no-op that answers what the first answered.
    const resending = Object.assign(Object.create(log) as RunLog, {
      append: async (runId: string, entries: Parameters<RunLog['append']>[1], opts: Parameters<RunLog['append']>[2]) => {
        const first = await log.append(runId, entries, opts);
        expect(await log.append(runId, entries, opts)).toBe(first);
        return first;
      },
    });
    const seq = new RunEventSequencer(resending, 'r3b', { fence: 'attempt-1' });
    for (let i = 1; i <= 20; i++) {
      seq.delta('msg:0', `d${i} `, (merged) => JSON.stringify({ type: 'delta', delta: merged }));
      if (i % 7 === 0) seq.event(ev(i));
    }
    await seq.end({ outcome: 'completed' });
    const entries = await log.read('r3b', 0);
    const text = entries
      .flatMap((e) => (e.kind === 'event' && e.json.includes('"delta"') ? [(JSON.parse(e.json) as { delta: string }).delta] : []))
      .join('');
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `d${i + 1} `).join(''));
    expect(entries.filter((e) => e.kind === 'end')).toHaveLength(1);
    expect(new Set(entries.map((e) => e.seq)).size).toBe(entries.length);
    // Without a token the same resend duplicates (what the chaos campaign saw).
    await log.createRun('r3c', 'alice', 'thr_1');
    await log.append('r3c', [{ kind: 'event', json: ev(1) }]);
    await log.append('r3c', [{ kind: 'event', json: ev(1) }]);
    expect((await log.read('r3c', 0)).length).toBe(2);
  });

  it('makes a deduplicated append a no-op', async () => {
    await log.createRun('r3', 'alice', 'thr_1');
    expect(await log.append('r3', [{ kind: 'event', json: ev(1) }], { dedupeToken: 'img-p0' })).toBe(1);
    expect(await log.append('r3', [{ kind: 'event', json: ev(1) }], { dedupeToken: 'img-p0' })).toBe(0);
    expect((await log.read('r3', 0)).length).toBe(1);
  });
});

describe('attach', () => {
  it('replays history then follows live entries, each seq once, until the end', async () => {
    await log.createRun('r4', 'alice', 'thr_1');
    await log.append('r4', [
      { kind: 'event', json: ev(1) },
      { kind: 'event', json: ev(2) },
    ]);
    const c = collector();
    await subscriber.attach('r4', 0, c.sink);
    await log.append('r4', [{ kind: 'event', json: ev(3) }]);
    await log.append('r4', [{ kind: 'end', end: { outcome: 'completed' } }]);
    await c.ended;
    expect(c.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(subscriber.activeChannels).toBe(0);
  });

  it('re-attaching after a seq yields exactly the missing entries', async () => {
    await log.createRun('r5', 'alice', 'thr_1');
    for (let i = 1; i <= 5; i++) await log.append('r5', [{ kind: 'event', json: ev(i) }]);
    const c = collector();
    const attachment = await subscriber.attach('r5', 3, c.sink);
    expect(c.entries.map((e) => e.seq)).toEqual([4, 5]);
    expect(attachment.lastSeq).toBe(5);
    await log.append('r5', [{ kind: 'end', end: { outcome: 'completed' } }]);
    await c.ended;
    expect(c.entries.map((e) => e.seq)).toEqual([4, 5, 6]);
  });

  it('loses nothing when appends race the attach', async () => {
    await log.createRun('r6', 'alice', 'thr_1');
    const c = collector();
    const writing = (async () => {
      for (let i = 1; i <= 200; i++) await log.append('r6', [{ kind: 'event', json: ev(i) }]);
      await log.append('r6', [{ kind: 'end', end: { outcome: 'completed' } }]);
    })();
    await new Promise((r) => setTimeout(r, 5));
    await subscriber.attach('r6', 0, c.sink);
    await writing;
    await c.ended;
    expect(c.entries.map((e) => e.seq)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
  });
});

describe('sequencer', () => {
  it('coalesces deltas while an append is in flight and keeps steps in order', async () => {
    await log.createRun('r7', 'alice', 'thr_1');
    const seq = new RunEventSequencer(log, 'r7');
    const order: string[] = [];
    const render = (d: string) => JSON.stringify({ type: 'delta', delta: d });
    seq.event(ev(0));
    for (const ch of 'hello world') seq.delta('msg:0', ch, render);
    seq.step(async () => {
      order.push(`step after ${(await log.read('r7', 0)).length}`);
    });
    seq.event(ev(1));
    await seq.end({ outcome: 'completed' });
    const entries = await log.read('r7', 0);
    const deltas = entries
      .filter((e): e is Extract<RunLogEntry, { kind: 'event' }> => e.kind === 'event' && e.json.includes('"delta"'))
      .map((e) => (JSON.parse(e.json) as { delta: string }).delta);
    expect(deltas.join('')).toBe('hello world');
    expect(deltas.length).toBeLessThan(11);
    expect(order).toEqual([`step after ${1 + deltas.length}`]);
    expect(entries[entries.length - 1]).toMatchObject({ kind: 'end' });
  });
});

describe('bounds', () => {
  it('refuses events past the byte budget but still accepts the end', async () => {
    const small = new RunLog(redis, { ...limits, maxBytes: 200 });
    await small.createRun('r8', 'alice', 'thr_1');
    await small.append('r8', [{ kind: 'event', json: 'x'.repeat(150) }]);
    await expect(small.append('r8', [{ kind: 'event', json: 'y'.repeat(100) }])).rejects.toThrow(/byte budget/);
    await small.append('r8', [
      { kind: 'event', json: '{"type":"error"}' },
      { kind: 'end', end: { outcome: 'failed' } },
    ]);
    expect((await small.meta('r8'))?.endedAt).toBe(3);
  });
});

describe('resume points (docs/resume.md)', () => {
  it('stores each batch checkpoint with its entries and hands the resume point to the next claim', async () => {
    const runId = 'run_resume_1';
    await log.createRun(runId, 'u', 't');
    await log.claim(runId, 'a1');
    await log.saveResumePoint(runId, 'a1', { responseId: 'resp_1', state: '{"turn":1}' });
    const seq = new RunEventSequencer(log, runId, { fence: 'a1' });
    seq.checkpoint = 'resp_1 1';
    seq.event(ev(1));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    seq.step(() => held);
    seq.checkpoint = 'resp_1 2';
    seq.event(ev(2));
    // The step holds the second entry back: only the first entry and its checkpoint are in Redis.
    await new Promise((r) => setTimeout(r, 50));
    expect((await redis.hget(runKeys(runId).meta, 'checkpoint')) ?? '').toBe('resp_1 1');
    release();
    await seq.drain();
    const claim = await log.claim(runId, 'a2');
    expect(claim.resumePoint).toEqual({ responseId: 'resp_1', state: '{"turn":1}', delivered: 2 });
    // The old attempt can no longer move the resume point.
    await expect(log.saveResumePoint(runId, 'a1', { responseId: 'resp_x', state: '' })).rejects.toThrow(/another attempt/);
  });

  it('a resume point whose response has nothing in the log yet starts at 0; no point at all is null', async () => {
    const runId = 'run_resume_2';
    await log.createRun(runId, 'u', 't');
    expect((await log.claim(runId, 'a1')).resumePoint).toBeNull();
    await log.append(runId, [{ kind: 'event', json: ev(1) }], { fence: 'a1', checkpoint: 'resp_1 4' });
    await log.saveResumePoint(runId, 'a1', { responseId: 'resp_2', state: 's2' });
    expect((await log.claim(runId, 'a2')).resumePoint).toEqual({ responseId: 'resp_2', state: 's2', delivered: 0 });
  });

  it('a refused append moves no checkpoint', async () => {
    const runId = 'run_resume_3';
    await log.createRun(runId, 'u', 't');
    await log.claim(runId, 'a1');
    await log.append(runId, [{ kind: 'event', json: ev(1) }], { fence: 'a1', checkpoint: 'resp_1 1' });
    await log.claim(runId, 'a2');
    await expect(log.append(runId, [{ kind: 'event', json: ev(2) }], { fence: 'a1', checkpoint: 'resp_1 2' })).rejects.toThrow();
    expect(await redis.hget(runKeys(runId).meta, 'checkpoint')).toBe('resp_1 1');
  });
});
