// The server span of a ChatKit request: continues the client's W3C trace context when it sends one,
// stays active for everything the handler does, and ends when the response ends — for a stream,
// after its last event reached the socket, so the span covers the delivery too.
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { contextFromCarrier, SpanKind, SpanStatusCode, startSpan, withActiveSpan, type Span } from '@switchyard/tracing';

export function requestSpan(name: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = contextFromCarrier(req.headers);
    const span = startSpan(name, {
      kind: SpanKind.SERVER,
      parent,
      attributes: { 'http.request.method': req.method, 'url.path': req.path },
    });
    res.locals.span = span;
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('switchyard.client_gone', true);
      span.end();
    });
    withActiveSpan(span, next, parent);
  };
}

/** The request's server span, set by `requestSpan`. */
export function spanOf(res: Response): Span | undefined {
  return res.locals.span as Span | undefined;
}

/** Names the run a request started or attached to, on its span and its access-log line. */
export function noteRun(res: Response, runId: string, threadId?: string): void {
  res.locals.runId = runId;
  if (threadId !== undefined) res.locals.threadId = threadId;
  spanOf(res)?.setAttributes({ 'switchyard.run_id': runId, ...(threadId !== undefined ? { 'switchyard.thread_id': threadId } : {}) });
}

/**
 * Fields for the access-log line (pino-http `customProps`): the run and the trace, which the line
 * would otherwise lack, as it is written when the response ends, outside the request's context.
 */
export function requestLogFields(response: ServerResponse): Record<string, string> {
  // express decorates the node response it hands to pino-http; `locals` exists on all of them.
  const res = response as Response;
  if (!res.locals) return {};
  const sc = spanOf(res)?.spanContext();
  const runId = res.locals.runId as string | undefined;
  const threadId = res.locals.threadId as string | undefined;
  return {
    ...(runId ? { runId } : {}),
    ...(threadId ? { threadId } : {}),
    ...(sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {}),
  };
}
