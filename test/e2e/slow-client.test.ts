// A client that stops reading cannot grow gateway memory without bound (issue 5): once its unsent
// bytes pass SSE_MAX_BUFFER_BYTES the gateway closes the connection, and the client re-attaches
// from its last event and gets the rest.
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { RunLog } from '@switchyard/run-log';
import { openSse } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

let sys: System;
let redis: RedisClient;

beforeAll(async () => {
  sys = await startSystem({ transport: 'http', env: { SSE_MAX_BUFFER_BYTES: '262144', RUN_LOG_MAX_BYTES: '67108864' } });
  redis = createRedis(sys.redisUrl, { name: 'slow-client-test' });
});
afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
});

it('a non-reading client is disconnected at the buffer cap and re-attaches without loss', async () => {
  // A run written straight into the log: 24 MB of events, far beyond any socket buffer.
  const log = new RunLog(redis, { maxEntries: 100_000, ttlSeconds: 600, orphanTtlSeconds: 600, maxBytes: 64 * 1024 * 1024 });
  const runId = 'run_slowclient0001';
  await log.createRun(runId, 'dev', 'thr_slow');
  const body = 'x'.repeat(100_000);
  const event = (i: number) => JSON.stringify({ type: 'progress_update', text: `${i}:${body}` });

  const gw = sys.gateways[0]!.url;
  const res = await new Promise<IncomingMessage>((resolve) => request(`${gw}/chatkit/runs/${runId}/events`, (r) => resolve(r)).end());
  expect(res.statusCode).toBe(200);
  res.pause(); // never read
  for (let i = 1; i <= 240; i++) await log.append(runId, [{ kind: 'event', json: event(i) }]);
  await log.append(runId, [{ kind: 'end', end: { outcome: 'completed' } }]);
  const deadline = Date.now() + 20_000;
  while (!sys.gateways[0]!.process.output.some((l) => l.includes('slow SSE client'))) {
    if (Date.now() > deadline) throw new Error('slow client was never disconnected');
    await new Promise((r) => setTimeout(r, 50));
  }
  // The gateway dropped its buffer; the client reads what reached its socket, then sees the end.
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve) => {
    res.on('end', () => resolve());
    res.on('error', () => resolve());
    res.on('close', () => resolve());
    res.resume();
  });
  const seen = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.length).toBeLessThan(240);

  // It re-attaches from its last event and gets exactly the rest.
  const again = await openSse(`${gw}/chatkit/runs/${runId}/events`, { headers: { 'Last-Event-ID': String(seen[seen.length - 1]) } });
  await again.done;
  const all = [...seen, ...again.events.map((e) => Number(e.id))];
  expect(all).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
});
