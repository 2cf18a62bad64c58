// What one run-log append costs inside Redis, alone on the machine: 100 runs, 200 one-entry batches
// each (a text delta apiece), fenced and batch-tokened as a worker sends them, with the batches of
// one turn sharing a script call (the default) or each its own (COALESCE=0). Prints Redis's own time
// per batch from INFO commandstats (docs/benchmarks/README.md compares it with the full benchmark,
// where the same script shares 2 cores with five other processes).
// Usage: [COALESCE=0] node --import tsx scripts/bench/redis-append.ts
import { createRedis } from '@switchyard/redis-connection';
import { startRedisServer } from '@switchyard/redis-server';
import { RunLog } from '@switchyard/run-log';

const RUNS = 100;
const BATCHES = 200;
const coalesce = process.env.COALESCE !== '0';
const server = await startRedisServer();
const redis = createRedis(server.url, { name: 'redis-append-bench' });
try {
  const log = new RunLog(redis, { maxEntries: 10_000, ttlSeconds: 60, orphanTtlSeconds: 86_400 }, { coalesceAppends: coalesce });
  for (let r = 0; r < RUNS; r++) {
    await log.createRun(`bench-${r}`, 'bench', 'thr');
    await log.claim(`bench-${r}`, `attempt-${r}`);
  }
  const delta = JSON.stringify({
    type: 'thread.item.updated',
    item_id: 'msg_0123456789abcdef',
    update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: ' word' },
  });
  await redis.config('RESETSTAT');
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) {
    await Promise.all(
      Array.from({ length: RUNS }, (_, r) =>
        log.append(`bench-${r}`, [{ kind: 'event', json: delta }], { fence: `attempt-${r}`, batchToken: `attempt-${r}:${i}` }),
      ),
    );
  }
  const wallUs = ((performance.now() - t0) * 1000) / (RUNS * BATCHES);
  const n = RUNS * BATCHES;
  console.log(
    `${n} one-entry batches, ${coalesce ? 'one script call per turn' : 'one script call each'}: ${wallUs.toFixed(1)} µs wall per batch`,
  );
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m && !m[1]!.startsWith('config'))
      console.log(`  ${m[1]}: ${(Number(m[2]) / n).toFixed(2)} calls, ${(Number(m[3]) / n).toFixed(2)} µs per batch`);
  }
} finally {
  redis.disconnect();
  await server.stop();
}
