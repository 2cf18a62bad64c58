// The OpenTelemetry set-up of one process: W3C trace context, async-context propagation, and a
// tracer provider that exports over OTLP/HTTP only when an endpoint is configured.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  /** `service.name` of this process's spans. */
  service: string;
  /** Read for the standard OTEL_* variables (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Export here instead of OTLP (tests: an InMemorySpanExporter), spans sent one by one. */
  exporter?: SpanExporter;
}

export interface Tracing {
  /** Spans are recorded and exported (an OTLP endpoint or an exporter was given). */
  readonly exporting: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

function numberFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Whether the standard variables ask for OTLP export (and tracing is not switched off). */
export function otlpConfigured(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Installs the process-wide provider. With OTEL_SDK_DISABLED=true it installs nothing. Without an
 * endpoint every span is non-recording (AlwaysOff): trace ids are still made and carried through job
 * data, so log lines of one run share a trace id, but nothing is buffered or sent. With one, spans are batched to OTLP/HTTP (the exporter reads
 * OTEL_EXPORTER_OTLP_* itself); OTEL_TRACES_SAMPLER_ARG sets the ratio of new traces kept.
 */
export function initTracing(opts: TracingOptions): Tracing {
  const env = opts.env ?? process.env;
  // Off entirely: no context manager either, so no async-context tracking (AsyncLocalStorage's
  // promise hooks cost CPU on Node 20/22) and no trace ids in logs.
  if (env.OTEL_SDK_DISABLED === 'true' && !opts.exporter) {
    return { exporting: false, forceFlush: async () => undefined, shutdown: async () => undefined };
  }
  const processors: SpanProcessor[] = [];
  if (opts.exporter) processors.push(new SimpleSpanProcessor({ exporter: opts.exporter }));
  else if (otlpConfigured(env)) {
    processors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        ...(numberFrom(env, 'OTEL_BSP_SCHEDULE_DELAY') !== undefined
          ? { scheduledDelayMillis: numberFrom(env, 'OTEL_BSP_SCHEDULE_DELAY')! }
          : {}),
        ...(numberFrom(env, 'OTEL_BSP_MAX_QUEUE_SIZE') !== undefined ? { maxQueueSize: numberFrom(env, 'OTEL_BSP_MAX_QUEUE_SIZE')! } : {}),
      }),
    );
  }
  const exporting = processors.length > 0;
  const ratio = Math.min(1, Math.max(0, numberFrom(env, 'OTEL_TRACES_SAMPLER_ARG') ?? 1));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? opts.service,
      [ATTR_SERVICE_VERSION]: env.npm_package_version ?? '0.1.0',
    }),
    sampler: exporting ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }) : new AlwaysOffSampler(),
    spanProcessors: processors,
  });
  // setGlobal* refuse to replace an earlier registration: disable first so tests can re-init.
  trace.disable();
  context.disable();
  propagation.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    exporting,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
