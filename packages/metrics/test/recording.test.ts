// Chat, model and image metrics recorded through the package's helpers as the services use them,
// scraped over HTTP: every listed series exists with the expected labels, counts match exactly.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMetrics,
  instrumentFetch,
  metricsHandler,
  modelStatusOf,
  poolUtilization,
  recordModelRequest,
  recordModelUsage,
  trackSseStream,
  type SwitchyardMetrics,
} from '../src/index.ts';
import { find, labelNamesOf, scrape, valueOf } from './exposition.ts';

/** A stand-in Responses endpoint: 429 for the first attempt of each request, 200 for the retry. */
async function upstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const retry = Number(req.headers['x-stainless-retry-count'] ?? 0);
    if (retry === 0) res.writeHead(429, { 'retry-after': '0' }).end('{"error":{"message":"slow down"}}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/responses`, server };
}

describe('chat metrics through SSE stream trackers', () => {
  const m: SwitchyardMetrics = createMetrics('gateway');

  it('times the first event and first token of a new stream, counts frames, bytes and connections', async () => {
    let clock = 1_000;
    const stream = trackSseStream(m.chat, { startedAt: 1_000, now: () => clock });
    const frames = [
      { json: '{"type":"thread.created"}', at: 1_025 },
      { json: '{"type":"stream_options","stream_options":{"allow_cancel":true}}', at: 1_030 },
      {
        json: '{"type":"thread.item.updated","item_id":"m","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":"Hi"}}',
        at: 1_500,
      },
      {
        json: '{"type":"thread.item.updated","item_id":"m","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":"!"}}',
        at: 1_600,
      },
    ];
    let bytes = 0;
    const during = await scrape(m.registry);
    expect(valueOf(during.exposition, 'switchyard_sse_connections_open')).toBe(1);
    for (const [i, f] of frames.entries()) {
      clock = f.at;
      const frame = `id: ${i + 1}\ndata: ${f.json}\n\n`;
      stream.wrote(frame);
      stream.event(f.json);
      bytes += Buffer.byteLength(frame);
    }
    stream.wrote(': ping\n\n');
    bytes += 8;
    stream.close();
    stream.close();

    // A re-attach: counted, its frames relayed, never timed.
    const again = trackSseStream(m.chat, { startedAt: 0, reattach: true, now: () => 99_999 });
    again.wrote('id: 5\ndata: {"type":"thread.item.done"}\n\n');
    again.event('{"type":"thread.item.done"}');
    bytes += Buffer.byteLength('id: 5\ndata: {"type":"thread.item.done"}\n\n');
    again.close();

    m.chat.cancels.inc({ source: 'request' });
    m.chat.cancels.inc({ source: 'disconnect' });
    m.chat.cancels.inc({ source: 'disconnect' });

    const exp = (await scrape(m.registry)).exposition;
    expect(valueOf(exp, 'switchyard_time_to_first_event_seconds_count')).toBe(1);
    expect(valueOf(exp, 'switchyard_time_to_first_event_seconds_sum')).toBeCloseTo(0.025, 6);
    expect(valueOf(exp, 'switchyard_time_to_first_event_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(valueOf(exp, 'switchyard_time_to_first_event_seconds_bucket', { le: '0.01' })).toBe(0);
    expect(valueOf(exp, 'switchyard_time_to_first_token_seconds_count')).toBe(1);
    expect(valueOf(exp, 'switchyard_time_to_first_token_seconds_sum')).toBeCloseTo(0.5, 6);
    expect(valueOf(exp, 'switchyard_sse_events_relayed_total')).toBe(5);
    expect(valueOf(exp, 'switchyard_sse_bytes_relayed_total')).toBe(bytes);
    expect(valueOf(exp, 'switchyard_sse_connections_open')).toBe(0);
    expect(valueOf(exp, 'switchyard_reattaches_total')).toBe(1);
    expect(valueOf(exp, 'switchyard_cancels_total', { source: 'request' })).toBe(1);
    expect(valueOf(exp, 'switchyard_cancels_total', { source: 'disconnect' })).toBe(2);
  });
});

describe('model upstream metrics', () => {
  const m: SwitchyardMetrics = createMetrics('generation-worker');
  let up: { url: string; server: Server };
  beforeAll(async () => {
    up = await upstream();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => up.server.close(() => resolve()));
  });

  it('records each HTTP attempt by status, 429s, retries, failures and tokens', async () => {
    const fetch = instrumentFetch(m.model);
    // Two requests as the openai client makes them: attempt 0 gets 429, attempt 1 succeeds.
    for (let i = 0; i < 2; i++) {
      expect((await fetch(up.url, { method: 'POST', headers: { 'X-Stainless-Retry-Count': '0' } })).status).toBe(429);
      expect((await fetch(new Request(up.url, { method: 'POST', headers: { 'X-Stainless-Retry-Count': '1' } }))).status).toBe(200);
    }
    // A connection refused: no status came back.
    const closed = await upstream();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    await expect(fetch(closed.url, { method: 'POST' })).rejects.toThrow();
    // An aborted attempt.
    await expect(fetch(up.url, { method: 'POST', signal: AbortSignal.abort() })).rejects.toThrow();
    // WebSocket responses are recorded per response.
    recordModelRequest(m.model, 'websocket', 200);
    recordModelRequest(m.model, 'websocket', modelStatusOf(Object.assign(new Error('rate limited'), { status: 429 })));
    recordModelUsage(m.model, { input_tokens: 100, output_tokens: 30, input_tokens_details: { cached_tokens: 40 } });
    recordModelUsage(m.model, { input_tokens: 10, output_tokens: 5 });
    recordModelUsage(m.model, null);

    const exp = (await scrape(m.registry)).exposition;
    expect(valueOf(exp, 'switchyard_model_requests_total', { status: '429', transport: 'http' })).toBe(2);
    expect(valueOf(exp, 'switchyard_model_requests_total', { status: '200', transport: 'http' })).toBe(2);
    expect(valueOf(exp, 'switchyard_model_requests_total', { status: 'error', transport: 'http' })).toBe(1);
    expect(valueOf(exp, 'switchyard_model_requests_total', { status: 'aborted', transport: 'http' })).toBe(1);
    expect(valueOf(exp, 'switchyard_model_requests_total', { status: '200', transport: 'websocket' })).toBe(1);
    expect(valueOf(exp, 'switchyard_model_requests_total', { status: '429', transport: 'websocket' })).toBe(1);
    expect(valueOf(exp, 'switchyard_model_rate_limited_total')).toBe(3);
    expect(valueOf(exp, 'switchyard_model_retries_total')).toBe(2);
    expect(valueOf(exp, 'switchyard_model_tokens_total', { kind: 'input' })).toBe(70);
    expect(valueOf(exp, 'switchyard_model_tokens_total', { kind: 'input_cached' })).toBe(40);
    expect(valueOf(exp, 'switchyard_model_tokens_total', { kind: 'output' })).toBe(35);
  });

  it('records run durations by outcome', async () => {
    m.chat.runDuration.observe({ outcome: 'completed' }, 3);
    m.chat.runDuration.observe({ outcome: 'completed' }, 4);
    m.chat.runDuration.observe({ outcome: 'failed' }, 1);
    const exp = (await scrape(m.registry)).exposition;
    expect(valueOf(exp, 'switchyard_run_duration_seconds_count', { outcome: 'completed' })).toBe(2);
    expect(valueOf(exp, 'switchyard_run_duration_seconds_sum', { outcome: 'completed' })).toBe(7);
    expect(valueOf(exp, 'switchyard_run_duration_seconds_count', { outcome: 'failed' })).toBe(1);
    expect(valueOf(exp, 'switchyard_run_duration_seconds_count', { outcome: 'cancelled' })).toBe(0);
  });
});

describe('image metrics', () => {
  it('records ingest latency (generation worker), bytes stored and rejects by reason (ingest worker)', async () => {
    const gen = createMetrics('generation-worker');
    const ingest = createMetrics('image-ingest-worker');
    gen.images.ingestLatency.observe(0.2);
    gen.images.ingestLatency.observe(0.4);
    ingest.images.bytesStored.inc(1_234);
    ingest.images.bytesStored.inc(766);
    ingest.images.rejects.inc({ reason: 'format_mismatch' });
    const g = (await scrape(gen.registry)).exposition;
    const i = (await scrape(ingest.registry)).exposition;
    expect(valueOf(g, 'switchyard_image_ingest_latency_seconds_count')).toBe(2);
    expect(valueOf(g, 'switchyard_image_ingest_latency_seconds_sum')).toBeCloseTo(0.6, 9);
    expect(valueOf(i, 'switchyard_image_bytes_stored_total')).toBe(2_000);
    expect(valueOf(i, 'switchyard_image_rejects_total', { reason: 'format_mismatch' })).toBe(1);
    expect(valueOf(i, 'switchyard_image_rejects_total', { reason: 'too_large' })).toBe(0);
    expect(find(i, 'switchyard_image_rejects_total')).toHaveLength(5);
  });
});

describe('the autoscaling signal', () => {
  it('is demand over capacity, against one worker when none is connected', () => {
    expect(poolUtilization({ waiting: 10, prioritized: 2, active: 16 }, 2, 16)).toBe(28 / 32);
    expect(poolUtilization({ waiting: 8, prioritized: 0, active: 0 }, 0, 4)).toBe(2);
    expect(poolUtilization({ waiting: 0, prioritized: 0, active: 0 }, 3, 4)).toBe(0);
    expect(() => poolUtilization({ waiting: 1, prioritized: 0, active: 0 }, 1, 0)).toThrow(RangeError);
  });
});

describe('the /metrics surface', () => {
  it('serves Prometheus text with default process metrics and the component label', async () => {
    const m = createMetrics('image-ingest-worker');
    const { contentType, exposition } = await scrape(m.registry);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(find(exposition, name, { component: 'image-ingest-worker' }), name).toHaveLength(1);
    }
  });

  it('answers GET and HEAD as a plain node:http handler, 405 otherwise', async () => {
    const m = createMetrics('gateway');
    const server = createServer(metricsHandler(m.registry));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whatever`;
    try {
      expect((await fetch(url)).status).toBe(200);
      const head = await fetch(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      const post = await fetch(url, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('every listed series', () => {
  /** Family → label names, as the issue lists them. */
  const LISTED: Record<string, string[]> = {
    switchyard_time_to_first_event_seconds: [],
    switchyard_time_to_first_token_seconds: [],
    switchyard_run_duration_seconds: ['outcome'],
    switchyard_sse_events_relayed_total: [],
    switchyard_sse_bytes_relayed_total: [],
    switchyard_sse_connections_open: [],
    switchyard_reattaches_total: [],
    switchyard_cancels_total: ['source'],
    switchyard_queue_jobs: ['queue', 'state'],
    switchyard_queue_wait_seconds: ['queue'],
    switchyard_job_processing_seconds: ['outcome', 'queue'],
    switchyard_jobs_stalled_total: ['queue'],
    switchyard_jobs_retried_total: ['queue'],
    switchyard_model_requests_total: ['status', 'transport'],
    switchyard_model_rate_limited_total: [],
    switchyard_model_retries_total: [],
    switchyard_model_tokens_total: ['kind'],
    switchyard_image_ingest_latency_seconds: [],
    switchyard_image_bytes_stored_total: [],
    switchyard_image_rejects_total: ['reason'],
    switchyard_worker_pool_utilization: ['queue'],
  };
  const TYPES: Record<string, string> = {
    switchyard_sse_connections_open: 'gauge',
    switchyard_queue_jobs: 'gauge',
    switchyard_worker_pool_utilization: 'gauge',
  };

  it('is registered with its type and, once recorded, carries exactly the listed labels', async () => {
    const m = createMetrics('gateway');
    // Record one sample of every family.
    m.chat.timeToFirstEvent.observe(0.01);
    m.chat.timeToFirstToken.observe(0.5);
    m.chat.runDuration.observe({ outcome: 'cancelled' }, 2);
    m.chat.sseEventsRelayed.inc();
    m.chat.sseBytesRelayed.inc(10);
    m.chat.sseConnectionsOpen.set(0);
    m.chat.reattaches.inc();
    m.queues.jobs.set({ queue: 'runs', state: 'waiting' }, 0);
    m.queues.waitTime.observe({ queue: 'runs' }, 0.001);
    m.queues.processingTime.observe({ queue: 'runs', outcome: 'completed' }, 1);
    m.queues.stalled.inc({ queue: 'runs' });
    m.queues.retried.inc({ queue: 'runs' });
    recordModelRequest(m.model, 'http', 200);
    recordModelUsage(m.model, { input_tokens: 1, output_tokens: 1 });
    m.model.retries.inc();
    m.images.ingestLatency.observe(0.1);
    m.images.bytesStored.inc(1);
    m.images.rejects.inc({ reason: 'unreadable' });
    m.autoscaling.utilization.set({ queue: 'runs' }, 0.5);

    const exp = (await scrape(m.registry)).exposition;
    for (const [family, labels] of Object.entries(LISTED)) {
      const type = exp.types.get(family);
      expect(type, family).toBe(TYPES[family] ?? (family.endsWith('_total') ? 'counter' : 'histogram'));
      expect(labelNamesOf(exp, family), family).toEqual(labels);
      const sampleName = type === 'histogram' ? `${family}_count` : family;
      expect(find(exp, sampleName).length, family).toBeGreaterThan(0);
    }
    // Base units only, and no identifiers as labels.
    for (const family of exp.types.keys()) {
      if (!family.startsWith('switchyard_')) continue;
      expect(family).toMatch(/(_seconds|_bytes_stored_total|_total|_jobs|_open|_workers|_utilization)$/);
    }
    for (const s of exp.samples) {
      for (const k of Object.keys(s.labels)) expect(['user', 'owner', 'thread', 'thread_id', 'run', 'run_id', 'job_id']).not.toContain(k);
    }
  });
});
