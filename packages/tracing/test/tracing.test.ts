import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import {
  activeTraceFields,
  contextFromCarrier,
  currentTraceCarrier,
  initTracing,
  inSpan,
  otlpConfigured,
  SpanKind,
  type Tracing,
} from '../src/index.ts';

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('tracing', () => {
  it('a job carrier continues the enqueuing span in the consumer: one trace, parent linked', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = initTracing({ service: 'test', exporter });
    let carrier: ReturnType<typeof currentTraceCarrier>;
    await inSpan('gateway request', { kind: SpanKind.SERVER }, async () => {
      await inSpan('enqueue', { kind: SpanKind.PRODUCER }, async () => {
        carrier = currentTraceCarrier();
      });
    });
    // What the job data holds is plain JSON: a traceparent string, nothing else.
    const wire = JSON.parse(JSON.stringify(carrier)) as Record<string, string>;
    expect(Object.keys(wire)).toEqual(['traceparent']);
    await inSpan('worker run', { kind: SpanKind.CONSUMER, parent: contextFromCarrier(wire) }, async () => {
      await inSpan('model call', { kind: SpanKind.CLIENT }, async () => undefined);
    });
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['enqueue', 'gateway request', 'model call', 'worker run']);
    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    expect(byName.get('worker run')!.parentSpanContext?.spanId).toBe(byName.get('enqueue')!.spanContext().spanId);
    expect(byName.get('model call')!.parentSpanContext?.spanId).toBe(byName.get('worker run')!.spanContext().spanId);
    expect(byName.get('gateway request')!.parentSpanContext).toBeUndefined();
  });

  it('a failing span records the error and rethrows it', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = initTracing({ service: 'test', exporter });
    await expect(
      inSpan('fails', {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toMatchObject({ code: 2, message: 'boom' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('without an endpoint nothing is recorded, yet trace ids exist and travel for log correlation', async () => {
    tracing = initTracing({ service: 'test', env: {} });
    expect(tracing.exporting).toBe(false);
    let outer: ReturnType<typeof activeTraceFields> = {};
    let carrier: ReturnType<typeof currentTraceCarrier>;
    await inSpan('request', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      outer = activeTraceFields();
      carrier = currentTraceCarrier();
    });
    expect(outer.trace_id).toMatch(/^[0-9a-f]{32}$/);
    // Not sampled (flags 00), so a downstream process does not record either.
    expect(carrier?.traceparent).toMatch(new RegExp(`^00-${outer.trace_id}-[0-9a-f]{16}-00$`));
    await inSpan('consumer', { parent: contextFromCarrier(carrier) }, async () => {
      expect(activeTraceFields().trace_id).toBe(outer.trace_id);
    });
  });

  it('OTEL_SDK_DISABLED installs nothing: no ids, no carrier, no context tracking', async () => {
    tracing = initTracing({ service: 'test', env: {} });
    await tracing.shutdown();
    // A fresh process: nothing registered yet (disable() resets the globals a test before set).
    const { context, propagation, trace } = await import('@opentelemetry/api');
    trace.disable();
    context.disable();
    propagation.disable();
    tracing = initTracing({ service: 'test', env: { OTEL_SDK_DISABLED: 'true' } });
    expect(tracing.exporting).toBe(false);
    await inSpan('request', {}, async () => {
      expect(activeTraceFields()).toEqual({});
      expect(currentTraceCarrier()).toBeUndefined();
    });
  });

  it('outside any span there are no trace fields and no carrier', () => {
    tracing = initTracing({ service: 'test', env: {} });
    expect(activeTraceFields()).toEqual({});
    expect(currentTraceCarrier()).toBeUndefined();
    expect(contextFromCarrier({ traceparent: 'garbage' })).toBeDefined();
  });

  it('OTLP export is on only when an endpoint is set and tracing is not disabled', () => {
    expect(otlpConfigured({})).toBe(false);
    expect(otlpConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(otlpConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(otlpConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(otlpConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });
});
