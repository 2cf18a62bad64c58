// The appends of one event-loop turn go to Redis as one script call; each batch still gets its own
// answer, a refused batch its own error, and a call sent twice (a reply lost in a reconnect, re-sent
// by ioredis) appends nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { AppendCoalescer } from '../src/append-coalescer.ts';
import { RunEventSequencer, RunFencedError, RunLog, runKeys } from '../src/index.ts';

let server: RedisServerHandle;
let redis: RedisClient;
let log: RunLog;
const limits = { maxEntries: 10_000, ttlSeconds: 60, orphanTtlSeconds: 600 };
const ev = (n: number) => JSON.stringify({ type: 'progress_update', text: `step ${n}` });

beforeAll(async () => {
  server = await startRedisServer();
  redis = createRedis(server.url, { name: 'append-pipeline-test' });
  log = new RunLog(redis, limits);
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('coalesced appends', () => {
  it('sends the batches of many runs made in one turn as one script call, each with its own seqs', async () => {
    const runs = Array.from({ length: 40 }, (_, i) => `pipe-${i}`);
    for (const r of runs) await log.createRun(r, 'alice', 'thr');
    const before = { ...log.coalescer!.stats };
    // Two rounds in one turn: every run's first batch, then (after those answer) its second.
    const firsts = await Promise.all(runs.map((r, i) => log.append(r, [{ kind: 'event', json: ev(i) }], { batchToken: `${r}:1` })));
    expect(firsts).toEqual(runs.map(() => 1));
    const seconds = await Promise.all(
      runs.map((r, i) =>
        log.append(
          r,
          [
            { kind: 'event', json: ev(i) },
            { kind: 'end', end: { outcome: 'completed' } },
          ],
          { batchToken: `${r}:2` },
        ),
      ),
    );
    expect(seconds).toEqual(runs.map(() => 2));
    expect(log.coalescer!.stats.calls - before.calls).toBe(2);
    expect(log.coalescer!.stats.batches - before.batches).toBe(80);
    for (const r of runs) {
      expect((await log.read(r, 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(await redis.hget(runKeys(r).meta, 'ended')).toBe('3');
    }
  });

  it('gives a fenced call its own refusal and the others their seqs', async () => {
    await log.createRun('fenced-a', 'alice', 'thr');
    await log.createRun('fenced-b', 'alice', 'thr');
    await log.claim('fenced-a', 'attempt-2');
    await log.claim('fenced-b', 'attempt-1');
    const [a, b] = await Promise.allSettled([
      log.append('fenced-a', [{ kind: 'event', json: ev(1) }], { fence: 'attempt-1', batchToken: 'attempt-1:1' }),
      log.append('fenced-b', [{ kind: 'event', json: ev(1) }], { fence: 'attempt-1', batchToken: 'attempt-1:1' }),
    ]);
    expect(a.status === 'rejected' && a.reason instanceof RunFencedError).toBe(true);
    expect(b).toEqual({ status: 'fulfilled', value: 1 });
    expect(await log.read('fenced-a', 0)).toEqual([]);
  });

  it('a call sent again after its reply was lost appends none of its batches twice', async () => {
    // What ioredis does after a reconnect: the same command, word for word, once more.
    const runs = ['again-1', 'again-2', 'again-3'];
    for (const r of runs) {
      await log.createRun(r, 'alice', 'thr');
      await log.append(r, [{ kind: 'event', json: ev(0) }], { batchToken: `${r}:1` });
    }
    const keys = runs.flatMap((r) => [runKeys(r).log, runKeys(r).meta, runKeys(r).channel]);
    const args = runs.flatMap((r) => {
      const a = ['10000', '600', '', '', String(64 * 1024 * 1024), `${r}:2`, '', `e${ev(1)}`, `e${ev(2)}`];
      return [String(a.length), ...a];
    });
    const send = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<number[]>>).syAppendBatches!;
    expect(await send.call(redis, keys.length, ...keys, ...args)).toEqual([2, 2, 2]);
    expect(await send.call(redis, keys.length, ...keys, ...args)).toEqual([2, 2, 2]);
    for (const r of runs) expect((await log.read(r, 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('puts two batches of one run made in the same turn in separate calls, in order', async () => {
    await log.createRun('twice', 'alice', 'thr');
    const before = { ...log.coalescer!.stats };
    const [a, b] = await Promise.all([
      log.append('twice', [{ kind: 'event', json: ev(1) }], { batchToken: 'p:1' }),
      log.append('twice', [{ kind: 'event', json: ev(2) }], { batchToken: 'q:1' }),
    ]);
    expect([a, b]).toEqual([1, 2]);
    expect(log.coalescer!.stats.calls - before.calls).toBe(2);
  });

  it('fails every batch of a call whose answer is not one seq per batch', async () => {
    const odd = new AppendCoalescer(async () => [1]);
    const call = (runId: string) => odd.append({ runId, keys: ['a', 'b', 'c'], args: ['x'] });
    const results = await Promise.allSettled([call('r1'), call('r2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('keeps each sequencer in order while many share pipelines', async () => {
    const runs = Array.from({ length: 20 }, (_, i) => `seq-${i}`);
    for (const r of runs) await log.createRun(r, 'alice', 'thr');
    const seqs = runs.map((r) => new RunEventSequencer(log, r, { fence: `${r}-attempt` }));
    await Promise.all(runs.map((r) => log.claim(r, `${r}-attempt`)));
    for (let n = 0; n < 50; n++) seqs.forEach((s) => s.event(ev(n)));
    await Promise.all(seqs.map((s) => s.end({ outcome: 'completed' })));
    for (const r of runs) {
      const entries = await log.read(r, 0);
      expect(entries.filter((e) => e.kind === 'event').map((e) => (e.kind === 'event' ? JSON.parse(e.json).text : null))).toEqual(
        Array.from({ length: 50 }, (_, n) => `step ${n}`),
      );
      expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    }
  });
});
