// One run is one trace across every process: the gateway's request span continues the client's
// W3C trace context, the run job carries it to the generation worker, the image frames carry it to
// the ingest worker, and the gateway's delivery span closes it. The services export with the real
// OTLP/HTTP exporter into a receiver that keeps the spans in memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, postChatKit } from '../kit/sse-client.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../kit/otlp-receiver.ts';
import { startSystem, type System } from '../kit/system.ts';

const userInput = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

describe.each(['http', 'websocket'] as const)('tracing over %s', (transport) => {
  let sys: System;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    sys = await startSystem({
      transport,
      imageBytes: 60_000,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'debug' },
    });
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
    await receiver?.close();
  });

  it("a run with an image has spans from the gateway, the generation worker and the ingest worker, linked in the client's trace", async () => {
    const traceId = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const clientSpanId = 'c0ffee00c0ffee00';
    const stream = await postChatKit(
      sys.gateways[0]!.url,
      { type: 'threads.create', params: { input: userInput('draw a cat') } },
      {
        traceparent: `00-${traceId}-${clientSpanId}-01`,
      },
    );
    expect(stream.status).toBe(200);
    await stream.done;
    const runId = stream.headers.get('x-switchyard-run-id')!;

    const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
    const spans = inTrace(
      await receiver.waitFor((all) => {
        const names = new Set(inTrace(all).map((s) => `${s.service}:${s.name}`));
        return [
          'gateway:POST /chatkit',
          'gateway:chatkit deliver',
          'image-ingest-worker:process image-ingest',
          'generation-worker:process runs',
        ].every((n) => names.has(n));
      }),
    );
    const one = (service: string, name: string) => {
      const found = spans.filter((s) => s.service === service && s.name === name);
      expect(found, `${service}:${name}`).not.toHaveLength(0);
      return found[0]!;
    };

    const request = one('gateway', 'POST /chatkit');
    expect(request.kind).toBe(SERVER);
    expect(request.parentSpanId).toBe(clientSpanId);
    expect(request.attributes).toMatchObject({
      'chatkit.request.type': 'threads.create',
      'switchyard.run_id': runId,
      'http.response.status_code': 200,
    });

    const publish = one('gateway', 'publish runs');
    expect(publish).toMatchObject({ kind: PRODUCER, parentSpanId: request.spanId });
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': 'runs',
      'messaging.message.id': runId,
    });

    const processRun = one('generation-worker', 'process runs');
    expect(processRun).toMatchObject({ kind: CONSUMER, parentSpanId: publish.spanId });
    expect(processRun.attributes).toMatchObject({ 'switchyard.run_id': runId, 'switchyard.run_outcome': 'completed' });

    const modelCalls = spans.filter((s) => s.service === 'generation-worker' && s.name.startsWith('responses '));
    expect(modelCalls.length).toBeGreaterThanOrEqual(1);
    for (const call of modelCalls) {
      expect(call).toMatchObject({ kind: CLIENT, parentSpanId: processRun.spanId });
      expect(call.attributes).toMatchObject({
        'gen_ai.system': 'openai',
        'switchyard.model_transport': transport,
        'switchyard.model_status': '200',
      });
      expect(call.attributes['gen_ai.response.id']).toMatch(/^resp_/);
    }

    // Every image frame (partial previews and the final image) is its own ingest job in the trace.
    const handoffs = spans.filter((s) => s.service === 'generation-worker' && s.name === 'publish image-ingest');
    const ingests = spans.filter((s) => s.service === 'image-ingest-worker' && s.name === 'process image-ingest');
    expect(handoffs.length).toBeGreaterThanOrEqual(2);
    await receiver.waitFor((all) => inTrace(all).filter((s) => s.name === 'process image-ingest').length >= handoffs.length);
    for (const h of handoffs) {
      expect(h).toMatchObject({ kind: PRODUCER, parentSpanId: processRun.spanId });
      const consumer = inTrace(receiver.spans).filter((s) => s.name === 'process image-ingest' && s.parentSpanId === h.spanId);
      expect(consumer, `ingest of ${String(h.attributes['messaging.message.id'])}`).toHaveLength(1);
      expect(consumer[0]!.kind).toBe(CONSUMER);
      expect(consumer[0]!.attributes['switchyard.image_bytes']).toBeGreaterThan(0);
    }
    expect(ingests.length).toBeGreaterThanOrEqual(handoffs.length);

    const delivery = one('gateway', 'chatkit deliver');
    expect(delivery.parentSpanId).toBe(request.spanId);
    expect(delivery.attributes).toMatchObject({
      'switchyard.delivery_outcome': 'end',
      'switchyard.events_delivered': stream.events.length,
    });

    // Every span of the run is in the one trace and hangs off a span of it (or the client's).
    const ids = new Set([clientSpanId, ...spans.map((s) => s.spanId)]);
    for (const s of spans) expect(ids.has(s.parentSpanId!), `${s.service}:${s.name} parent`).toBe(true);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'generation-worker', 'image-ingest-worker']));
  }, 60_000);

  it('a re-attach is its own trace, linked to the request that started the run', async () => {
    const traceId = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const gw = sys.gateways[0]!.url;
    const first = await postChatKit(
      gw,
      { type: 'threads.create', params: { input: userInput('hello') } },
      { traceparent: `00-${traceId}-00000000000000aa-01` },
    );
    await first.done;
    const runId = first.headers.get('x-switchyard-run-id')!;
    const again = await openSse(`${gw}/chatkit/runs/${runId}/events`, { headers: { 'Last-Event-ID': '0' } });
    await again.done;
    expect(again.events.length).toBe(first.events.length);

    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.name === 'GET /chatkit/runs/:runId/events' && s.attributes['switchyard.run_id'] === runId),
    );
    const request = spans.find((s) => s.traceId === traceId && s.name === 'POST /chatkit')!;
    const reattach = spans.find((s) => s.name === 'GET /chatkit/runs/:runId/events' && s.attributes['switchyard.run_id'] === runId)!;
    expect(reattach.traceId).not.toBe(traceId);
    expect(reattach.links).toEqual([{ traceId, spanId: request.spanId, attributes: { 'switchyard.link': 'run' } }]);
    await receiver.waitFor((all) => all.some((s) => s.traceId === reattach.traceId && s.name === 'chatkit deliver'));
    const delivery = receiver.spans.find((s) => s.traceId === reattach.traceId && s.name === 'chatkit deliver')!;
    expect(delivery.attributes).toMatchObject({ 'switchyard.reattach': true, 'switchyard.events_delivered': first.events.length });
  }, 60_000);

  it('every log line of the run carries its run id and the trace id, in every process', async () => {
    const traceId = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const stream = await postChatKit(
      sys.gateways[0]!.url,
      { type: 'threads.create', params: { input: userInput('draw a dog') } },
      {
        traceparent: `00-${traceId}-0123456789abcdef-01`,
      },
    );
    await stream.done;
    const runId = stream.headers.get('x-switchyard-run-id')!;
    // The request span ends with the response; by then the ingest worker has logged every frame.
    await receiver.waitFor((all) => all.some((s) => s.traceId === traceId && s.name === 'POST /chatkit'));
    const linesOf = (p: { output: string[] }) =>
      p.output.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    const runLines = sys.processes.flatMap((p) =>
      linesOf(p)
        .filter((l) => l.runId === runId || l.trace_id === traceId)
        .map((l): Record<string, unknown> => ({ ...l, process: p.name.replace(/-\d+$/, '') })),
    );
    const byProcess = new Set(runLines.map((l) => l.process));
    expect(byProcess).toEqual(new Set(['gateway', 'generation-worker', 'image-ingest-worker']));
    for (const line of runLines) expect(line, JSON.stringify(line)).toMatchObject({ runId, trace_id: traceId });
    // The access-log line too, though pino-http writes it after the response, outside the request.
    expect(runLines.filter((l) => l.process === 'gateway').map((l) => l.msg)).toEqual(
      expect.arrayContaining(['run started', 'request completed']),
    );
    const workerLines = runLines.filter((l) => l.process !== 'gateway');
    for (const line of workerLines)
      expect(line, JSON.stringify(line)).toMatchObject({ runId, threadId: expect.any(String), jobId: expect.any(String) });
  }, 60_000);
});
