// One model request as operations see it: an OpenTelemetry client span (GenAI conventions) and a
// report to the worker's observer (status per transport, token usage). The retrying model opens
// one per attempt, so retries show up as sibling spans under the run.
import type { ResponseUsage } from 'openai/resources/responses/responses';
import { recordFailure, SpanKind, startSpan, type Span } from '@switchyard/tracing';
import type { ModelTransport } from './model-provider.ts';

export interface ModelCallReport {
  transport: ModelTransport;
  /** 200 for a completed response, the HTTP status a failure reported, else "error" or "aborted". */
  status: number | 'error' | 'aborted';
  usage?: ResponseUsage;
}

export type ModelCallObserver = (report: ModelCallReport) => void;

interface ModelCallOptions {
  transport?: ModelTransport;
  model?: string;
  attempt: number;
  observer?: ModelCallObserver;
}

/** Responses API `usage`, as `response.completed` carries it. */
function usageOf(raw: Record<string, unknown>): ResponseUsage | undefined {
  const response = raw.response as { usage?: ResponseUsage | null } | undefined;
  return response?.usage ?? undefined;
}

export class ModelCall {
  private readonly span: Span;
  private usage: ResponseUsage | undefined;
  private completed = false;
  private ended = false;

  constructor(private readonly opts: ModelCallOptions) {
    this.span = startSpan(`responses ${opts.model ?? 'default'}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.system': 'openai',
        'gen_ai.operation.name': 'responses',
        ...(opts.model ? { 'gen_ai.request.model': opts.model } : {}),
        ...(opts.transport ? { 'switchyard.model_transport': opts.transport } : {}),
        'switchyard.attempt': opts.attempt,
      },
    });
  }

  /** A raw Responses event of this call. */
  event(raw: Record<string, unknown>): void {
    const type = raw.type;
    if (type === 'response.created') {
      const id = (raw.response as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') this.span.setAttribute('gen_ai.response.id', id);
      this.span.addEvent('response.created');
    } else if (type === 'response.completed') {
      this.completed = true;
      this.usage = usageOf(raw);
      if (this.usage) {
        this.span.setAttributes({
          'gen_ai.usage.input_tokens': this.usage.input_tokens ?? 0,
          'gen_ai.usage.output_tokens': this.usage.output_tokens ?? 0,
        });
      }
    }
  }

  succeeded(): void {
    this.end({ status: 200, ...(this.usage ? { usage: this.usage } : {}) });
  }

  failed(err: unknown, status: number | undefined, aborted: boolean): void {
    if (!aborted) recordFailure(this.span, err);
    this.end({ status: status ?? (aborted ? 'aborted' : 'error'), ...(this.usage ? { usage: this.usage } : {}) });
  }

  /**
   * The consumer stopped reading (a run stopped after an image-only response, a cancel): a
   * response that completed counts as such, anything else as aborted. No-op after an outcome.
   */
  settle(): void {
    if (this.completed) this.succeeded();
    else this.failed(undefined, undefined, true);
  }

  private end(report: Omit<ModelCallReport, 'transport'>): void {
    if (this.ended) return;
    this.ended = true;
    this.span.setAttribute('switchyard.model_status', String(report.status));
    this.span.end();
    if (this.opts.transport) this.opts.observer?.({ transport: this.opts.transport, ...report });
  }
}
