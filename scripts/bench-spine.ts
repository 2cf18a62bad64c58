// Spine benchmark (issue 2 figures; prints numbers, asserts nothing): enqueue → worker-start
// latency, POST → first SSE byte, relay latency between a run-log append and the client receiving
// the event at 100 concurrent streams, CPU time of every process during that phase (what the
// Kubernetes CPU requests are sized from), and peak RSS of every process.
// Usage: npm run bench -- [--transport http|websocket] [--streams 100] [--deltas 100] [--otel-disabled]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRedis } from '@switchyard/redis-connection';
import { decodeBatch, runKeys } from '@switchyard/run-log';
import { createQueue, RUNS_QUEUE } from '@switchyard/queues';
import { postChatKit } from '../test/kit/sse-client.ts';
import { startSystem } from '../test/kit/system.ts';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'http' },
    streams: { type: 'string', default: '100' },
    deltas: { type: 'string', default: '100' },
    sequential: { type: 'string', default: '40' },
    // OTEL_SDK_DISABLED=true in every process: what tracing without an endpoint costs, by difference.
    'otel-disabled': { type: 'boolean', default: false },
  },
});
const transport = values.transport === 'websocket' ? 'websocket' : 'http';
const streams = Number(values.streams);
const sequential = Number(values.sequential);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms  (n=${xs.length})`;
const peakRss = (pid: number) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MiB` : '?';
};
/** User + system CPU seconds of a process so far (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const input = (text: string) => ({
  type: 'threads.create',
  params: { input: { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} } },
});

const sys = await startSystem({
  transport,
  deltaDelayMs: 20,
  textDeltas: Number(values.deltas),
  env: {
    WORKER_CONCURRENCY: String(streams),
    LOG_LEVEL: 'warn',
    SSE_HEARTBEAT_MS: '15000',
    MAX_CONCURRENT_RUNS_PER_USER: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    ...(values['otel-disabled'] ? { OTEL_SDK_DISABLED: 'true' } : {}),
  },
});
const gw = sys.gateways[0]!.url;
const runsQueue = createQueue(RUNS_QUEUE, { redisUrl: sys.redisUrl });

try {
  // 1. Light load: one stream at a time.
  const firstByte: number[] = [];
  for (let i = 0; i < sequential; i++) {
    const t0 = performance.now();
    const s = await postChatKit(gw, input(`hello ${i}`));
    firstByte.push(performance.now() - t0);
    await s.done;
  }
  const jobs = await runsQueue.getJobs(['completed'], 0, sequential);
  const enqueueToStart = jobs.map((j) => (j.processedOn ?? 0) - j.timestamp);

  // 2. 100 concurrent streams: relay latency from the run-log publish to the client.
  const sub = createRedis(sys.redisUrl, { name: 'bench-sub' });
  const published = new Map<string, number>();
  sub.on('smessage', (channel: string, message: string) => {
    const now = performance.now();
    for (const e of decodeBatch(message)) published.set(`${channel}#${e.seq}`, now);
  });
  const relay: number[] = [];
  const cpuBefore = sys.processes.map((p) => cpuSeconds(p.pid));
  const t0 = performance.now();
  const concurrentFirstByte: number[] = [];
  await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      const start = performance.now();
      const s = await postChatKit(gw, input(`tell me a long story ${i}`));
      concurrentFirstByte.push(performance.now() - start);
      const channel = runKeys(s.headers.get('x-switchyard-run-id')!).channel;
      await sub.ssubscribe(channel);
      let seen = 0;
      const check = () => {
        for (; seen < s.events.length; seen++) {
          const sent = published.get(`${channel}#${s.events[seen]!.id}`);
          if (sent !== undefined) relay.push(performance.now() - sent);
        }
      };
      const timer = setInterval(check, 1);
      await s.done;
      clearInterval(timer);
      await sub.sunsubscribe(channel);
    }),
  );
  const wall = performance.now() - t0;
  const cpuUsed = sys.processes.map((p, i) => cpuSeconds(p.pid) - cpuBefore[i]!);
  sub.disconnect();

  // 3. Image runs, 4 at a time: CPU of the ingest path per stored frame (partials and finals).
  const imageRuns = 20;
  const framesBefore = sys.model.sentImages.length;
  const bytesBefore = sys.model.sentImages.reduce((a, i) => a + i.bytes, 0);
  const ingestCpuBefore = sys.ingests.map((p) => cpuSeconds(p.pid));
  for (let i = 0; i < imageRuns; i += 4) {
    await Promise.all(Array.from({ length: 4 }, async (_, j) => (await postChatKit(gw, input(`draw picture ${i + j}`))).done));
  }
  const frames = sys.model.sentImages.length - framesBefore;
  const imageMiB = (sys.model.sentImages.reduce((a, i) => a + i.bytes, 0) - bytesBefore) / 2 ** 20;
  const ingestCpu = sys.ingests.reduce((a, p, i) => a + cpuSeconds(p.pid) - ingestCpuBefore[i]!, 0);

  console.log(
    `\nSwitchyard spine benchmark — transport ${transport}, ${streams} concurrent streams × ${values.deltas} deltas at 20 ms${values['otel-disabled'] ? ', OTEL_SDK_DISABLED' : ''}`,
  );
  console.log(`enqueue → worker start (light load):   ${fmt(enqueueToStart)}`);
  console.log(`POST → first SSE byte (light load):    ${fmt(firstByte)}`);
  console.log(`POST → first SSE byte (${streams} streams):    ${fmt(concurrentFirstByte)}`);
  console.log(`relay: run-log publish → client event: ${fmt(relay)}`);
  console.log(`${streams} streams finished in ${(wall / 1000).toFixed(1)} s`);
  const deltas = streams * Number(values.deltas);
  for (const [i, p] of sys.processes.entries()) {
    const cpu = cpuUsed[i]!;
    console.log(
      `CPU ${p.name.padEnd(20)} ${cpu.toFixed(1)} s = ${(cpu / (wall / 1000)).toFixed(2)} cores over the ${streams}-stream phase; ${((cpu * 1e6) / deltas).toFixed(0)} µs per delta, ${((cpu * 1000) / streams).toFixed(0)} ms per run`,
    );
  }
  console.log(
    `CPU image ingest: ${ingestCpu.toFixed(2)} s for ${frames} frames (${imageMiB.toFixed(1)} MiB) = ${((ingestCpu * 1000) / frames).toFixed(1)} ms per frame`,
  );
  for (const p of sys.processes) console.log(`peak RSS ${p.name.padEnd(20)} ${peakRss(p.pid)}`);
} finally {
  await runsQueue.close();
  await sys.stop();
}
