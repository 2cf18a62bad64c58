// OpenTelemetry for Switchyard processes: provider set-up, trace context in job data, span helpers.
export { initTracing, otlpConfigured, type Tracing, type TracingOptions } from './provider.ts';
export { contextFromCarrier, currentTraceCarrier, linkToCarrier, type TraceCarrier } from './trace-carrier.ts';
export {
  activeContext,
  activeTraceFields,
  inSpan,
  recordFailure,
  startSpan,
  withActiveSpan,
  SpanKind,
  SpanStatusCode,
  type Span,
  type SpanOptions,
} from './spans.ts';
