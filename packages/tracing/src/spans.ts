// Span helpers used across Switchyard: one tracer name, a wrapper that runs work inside an active
// span and records failures, and the ids of the active span for log lines.
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

const TRACER_NAME = 'switchyard';

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context (default: the active one), e.g. from a job's trace carrier. */
  parent?: Context;
}

/** Marks a span failed with the error, without ending it. */
export function recordFailure(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** The active context, to parent work that runs later from elsewhere (a queue's pump, a timer). */
export function activeContext(): Context {
  return context.active();
}

/** Starts a span that the caller ends (for work that outlives one function call, like a stream). */
export function startSpan(name: string, opts: SpanOptions = {}): Span {
  return tracer().startSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) },
    opts.parent ?? context.active(),
  );
}

/** Runs `fn` with `span` active (as a child context of `parent`, default the active context). */
export function withActiveSpan<T>(span: Span, fn: () => T, parent: Context = context.active()): T {
  return context.with(trace.setSpan(parent, span), fn);
}

/** Runs `fn` with a new span active; the span ends when `fn` settles and records a thrown error. */
export async function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = startSpan(name, opts);
  try {
    return await withActiveSpan(span, () => fn(span), opts.parent);
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** `trace_id`/`span_id` of the active span, for log lines (empty outside any span). */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const sc = trace.getSpan(context.active())?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId };
}
