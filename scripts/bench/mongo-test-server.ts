// The embedded MongoDB test server's cost per command, on its own: starts it in its own process (as
// `npm start` does), makes the commands a run makes (an item upserted by id, a thread's items read
// in order, an item read by id) against a collection that grows by one item a round, and prints the
// server's CPU per command from /proc and its serverStatus counters (docs/benchmarks/README.md).
// Usage: node --import tsx scripts/bench/mongo-test-server.ts [--rounds 2000]
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { startMongoTestServerProcess } from '@switchyard/system-launcher';
import { cpuSeconds } from './procs.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2000' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);

const cpuMs = (pid: number) => cpuSeconds(pid) * 1000;

const server = await startMongoTestServerProcess();
const client = await new MongoClient(server.url).connect();
try {
  const items = client
    .db('mongo_bench')
    .collection<{ _id: string; owner: string; thread_id: string; created_at: Date; item_id: string }>('items');
  await items.createIndex({ owner: 1, thread_id: 1, created_at: 1, item_id: 1 });
  const before = cpuMs(server.pid);
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const thread = `thr_${i % 500}`;
    const id = `${thread}:msg_${i}`;
    await items.replaceOne(
      { _id: id, owner: 'bench' },
      { owner: 'bench', thread_id: thread, created_at: new Date(), item_id: `msg_${i}` },
      { upsert: true },
    );
    await items.find({ owner: 'bench', thread_id: thread }).sort({ created_at: 1, item_id: 1 }).limit(50).toArray();
    await items.findOne({ _id: id, owner: 'bench' });
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs(server.pid) - before;
  const status = await client.db('admin').command({ serverStatus: 1 });
  const commands = rounds * 3;
  console.log(`${rounds} rounds (${commands} commands, collection grown to ${rounds} items):`);
  console.log(
    `  server CPU per command: ${((cpu * 1000) / commands).toFixed(0)} µs (clock ticks), wall per round ${(wall / rounds).toFixed(2)} ms`,
  );
  for (const name of ['update', 'find']) {
    const total = Number(status.metrics.commands[name]?.total ?? 0);
    const micros = Number(status.switchyardTestServer.micros[name] ?? 0);
    console.log(`  ${name}: ${total} commands, ${(micros / Math.max(1, total)).toFixed(0)} µs each inside the server`);
  }
} finally {
  await client.close();
  await server.close();
}
