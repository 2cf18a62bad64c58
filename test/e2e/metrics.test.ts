// Metrics after a scripted workload (issue 6): each process's /metrics has the chat, queue and
// image series with the expected labels, and counts that match the workload exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

let sys: System;
const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

beforeAll(async () => {
  sys = await startSystem({ transport: 'http', metrics: true, env: { OPS_VIEWER_TOKEN: 'viewer-token-0123456789' } });
});
afterAll(async () => {
  await sys?.stop();
});

async function scrape(label: string): Promise<string> {
  const res = await fetch(sys.metricsUrls[label]!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** Polls a process's /metrics until `queue` has finished at least `jobs` jobs (any outcome); returns the text. */
async function settled(system: System, label: string, queue: string, jobs: number): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await (await fetch(system.metricsUrls[label]!)).text();
    const done = text
      .split('\n')
      .filter((l) => l.startsWith('switchyard_job_processing_seconds_count{') && l.includes(`queue="${queue}"`))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    if (done >= jobs || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of one series, matched by name and a label subset. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  const match = lines.find((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  if (!match) throw new Error(`no series ${name} ${JSON.stringify(labels)}`);
  return Number(match.slice(match.lastIndexOf(' ') + 1));
}

it('counts runs, events, images and queue work exactly', async () => {
  let events = 0;
  for (const text of ['hello', 'draw a kite', 'bye']) {
    const s = await postChatKit(sys.gateways[0]!.url, { type: 'threads.create', params: { input: input(text) } });
    await s.done;
    events += s.events.length;
  }
  // A job's processing time and the ingest count are recorded after its last event reached the
  // client; wait until each has counted every job (any count, so a wrong one still fails below).
  await settled(sys, 'generation-worker-0', 'runs', 3);
  await settled(sys, 'image-ingest-worker-0', 'image-ingest', 3);
  const gw = await scrape('gateway-0');
  expect(value(gw, 'switchyard_time_to_first_event_seconds_count')).toBe(3);
  expect(value(gw, 'switchyard_time_to_first_token_seconds_count')).toBe(3);
  expect(value(gw, 'switchyard_sse_events_relayed_total')).toBe(events);
  expect(value(gw, 'switchyard_sse_connections_open')).toBe(0);
  expect(value(gw, 'switchyard_cancels_total', { source: 'request' })).toBe(0);
  expect(gw).not.toMatch(/thread_id|run_id|owner=/);

  const worker = await scrape('generation-worker-0');
  expect(value(worker, 'switchyard_run_duration_seconds_count', { outcome: 'completed' })).toBe(3);
  expect(value(worker, 'switchyard_queue_wait_seconds_count', { queue: 'runs' })).toBe(3);
  expect(value(worker, 'switchyard_job_processing_seconds_count', { queue: 'runs', outcome: 'completed' })).toBe(3);
  expect(value(worker, 'switchyard_image_ingest_latency_seconds_count')).toBe(3);
  expect(value(worker, 'switchyard_model_requests_total', { status: '200', transport: 'http' })).toBe(sys.model.requests.length);
  // Tokens add up to the usage every completed response reported (the test server sends no cached input).
  const usage = sys.model.completedResponses.map((r) => r.usage);
  expect(usage).toHaveLength(sys.model.requests.length);
  expect(value(worker, 'switchyard_model_tokens_total', { kind: 'input' })).toBe(usage.reduce((a, u) => a + u.input_tokens, 0));
  expect(value(worker, 'switchyard_model_tokens_total', { kind: 'output' })).toBe(usage.reduce((a, u) => a + u.output_tokens, 0));
  expect(value(worker, 'switchyard_model_tokens_total', { kind: 'output' })).toBeGreaterThan(0);
  expect(value(worker, 'switchyard_model_tokens_total', { kind: 'input_cached' })).toBe(0);

  const ingest = await scrape('image-ingest-worker-0');
  expect(value(ingest, 'switchyard_job_processing_seconds_count', { queue: 'image-ingest', outcome: 'completed' })).toBe(3);
  const stored = sys.model.sentImages.reduce((a, i) => a + i.bytes, 0);
  expect(value(ingest, 'switchyard_image_bytes_stored_total')).toBe(stored);
});

it('the gateway serves the queue dashboard read-only to viewers, behind auth', async () => {
  const url = `${sys.gateways[0]!.url}/admin/queues/view/api/queues`;
  expect((await fetch(url)).status).toBe(401);
  const res = await fetch(url, { headers: { Authorization: `Basic ${Buffer.from('viewer:viewer-token-0123456789').toString('base64')}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
  expect(body.queues.map((q) => q.name).sort()).toEqual(['image-ingest', 'runs']);
  expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
});

describe('over the Responses WebSocket mode', () => {
  let ws: System;
  beforeAll(async () => {
    ws = await startSystem({ transport: 'websocket', metrics: true });
  });
  afterAll(async () => {
    await ws?.stop();
  });

  it('counts each WebSocket response by status and adds up its tokens', async () => {
    for (const text of ['hello', 'draw a kite']) {
      const s = await postChatKit(ws.gateways[0]!.url, { type: 'threads.create', params: { input: input(text) } });
      await s.done;
    }
    const worker = await settled(ws, 'generation-worker-0', 'runs', 2);
    expect(ws.model.requests.every((r) => r.transport === 'websocket')).toBe(true);
    expect(value(worker, 'switchyard_model_requests_total', { status: '200', transport: 'websocket' })).toBe(ws.model.requests.length);
    expect(worker).not.toMatch(/switchyard_model_requests_total\{[^}]*transport="http"/);
    const usage = ws.model.completedResponses.map((r) => r.usage);
    expect(value(worker, 'switchyard_model_tokens_total', { kind: 'input' })).toBe(usage.reduce((a, u) => a + u.input_tokens, 0));
    expect(value(worker, 'switchyard_model_tokens_total', { kind: 'output' })).toBe(usage.reduce((a, u) => a + u.output_tokens, 0));
  });
});
