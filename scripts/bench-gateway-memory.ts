// Gateway memory benchmark (issue 5 figures; prints, asserts nothing): RSS of one gateway with
// 1,000 idle attached SSE streams, and with 50 clients that never read a fast stream (bounded by
// SSE_MAX_BUFFER_BYTES, after which they are disconnected to re-attach).
// Usage: node --import tsx scripts/bench-gateway-memory.ts [--idle 1000] [--slow 50]
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { postChatKit } from '../test/kit/sse-client.ts';
import { startSystem } from '../test/kit/system.ts';

const { values } = parseArgs({ options: { idle: { type: 'string', default: '1000' }, slow: { type: 'string', default: '50' } } });
const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const input = (text: string) => ({
  type: 'threads.create',
  params: { input: { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} } },
});

const sys = await startSystem({
  transport: 'http',
  deltaDelayMs: 50,
  textDeltas: 400,
  env: {
    LOG_LEVEL: 'warn',
    MAX_CONCURRENT_RUNS_PER_USER: '0',
    RATE_LIMIT_PER_MINUTE: '0',
    DISCONNECT_POLICY: 'detach',
    SSE_HEARTBEAT_MS: '15000',
    WORKER_CONCURRENCY: '64',
  },
});
const gw = sys.gateways[0]!;
try {
  const base = rss(gw.process.pid);
  // 1. Idle attached streams: many clients attached to one slow run (re-attach route).
  const run = await postChatKit(gw.url, input('a slow story'));
  const runId = run.headers.get('x-switchyard-run-id')!;
  const idle = Number(values.idle);
  const clients = [];
  for (let i = 0; i < idle; i++) {
    clients.push(
      new Promise<void>((resolve) => {
        const req = request(`${gw.url}/chatkit/runs/${runId}/events`, (res) => {
          res.resume();
          resolve();
        });
        req.end();
      }),
    );
  }
  await Promise.all(clients);
  await new Promise((r) => setTimeout(r, 2_000));
  const withIdle = rss(gw.process.pid);
  console.log(
    `gateway RSS: ${base.toFixed(0)} MiB at rest, ${withIdle.toFixed(0)} MiB with ${idle} attached streams (+${(((withIdle - base) * 1024) / idle).toFixed(1)} KiB each)`,
  );
  run.abort();

  // 2. Slow clients: streams whose readers never read.
  const slow = Number(values.slow);
  const paused = [];
  for (let i = 0; i < slow; i++) {
    paused.push(
      await new Promise<import('node:http').IncomingMessage>((resolve) => {
        const req = request(`${gw.url}/chatkit`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
          res.pause();
          resolve(res);
        });
        req.end(JSON.stringify(input(`draw slow client ${i}`)));
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 8_000));
  console.log(
    `gateway RSS with ${slow} non-reading clients after 8 s: ${rss(gw.process.pid).toFixed(0)} MiB (buffer cap ${1} MiB each, then disconnect)`,
  );
  for (const res of paused) res.destroy();
} finally {
  await sys.stop();
}
process.exit(0);
