// Trace context across process boundaries that are not HTTP: the W3C `traceparent`/`tracestate`
// pair stored in BullMQ job data (and read from request headers) so one run is one trace.
import { context, propagation, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';

/** What job data carries: the W3C headers of the span that enqueued the job. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active context as a carrier, or undefined when there is nothing to carry. */
export function currentTraceCarrier(ctx: Context = context.active()): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier.traceparent) return undefined;
  return { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
}

/** The context a carrier describes (a root context when it is missing or malformed). */
export function contextFromCarrier(carrier: TraceCarrier | Record<string, string | string[] | undefined> | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier, {
    keys: (c) => Object.keys(c),
    get: (c, key) => {
      const v = (c as Record<string, string | string[] | undefined>)[key];
      return Array.isArray(v) ? v[0] : v;
    },
  });
}

/** Links `span` to the span a carrier names (a re-attach to the run that request started). */
export function linkToCarrier(span: Span, carrier: TraceCarrier | undefined, attributes: Record<string, string> = {}): void {
  const linked = trace.getSpanContext(contextFromCarrier(carrier));
  if (linked && trace.isSpanContextValid(linked)) span.addLink({ context: linked, attributes });
}
