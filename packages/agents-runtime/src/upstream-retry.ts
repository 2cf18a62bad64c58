// Upstream faults of the model, on both transports: bounded retries with backoff while a model call
// has produced nothing the client could see, and one clear error (`UpstreamModelRateLimited`,
// `UpstreamModelError`) otherwise. Wraps any Agents SDK model provider.
//
// Who retries what:
// - One policy for both transports, here: 429, 408/409, 5xx and failures without a status (refused
//   connections, streams broken before any output item, closed sockets) are retried up to
//   `maxRetries` times with exponential backoff, or after `retry-after` when the API sends one
//   (up to `maxRetryAfterMs`; a longer wait fails at once so the queue can slow down instead).
// - The `openai` client's own retries are off in the worker's providers (`maxRetries: 0`, see
//   model-provider.ts): they only cover the HTTP request, not a stream that breaks later nor the
//   WebSocket mode, and they would multiply with ours. A deployment that turns them on says so
//   (`clientRetries`); an `APIError` raised before any event has then been retried already and
//   counts as the whole budget.
// - WebSocket faults have no status line: a 429 arrives as an `error` event, which the Agents SDK
//   turns into a ModelBehaviorError without status. We read status and `retry-after` back from
//   that raw event.
// - Once a call streamed an output item (text, reasoning, a tool call), nothing is retried: the
//   client may have seen part of it.
// The SDK's own runner retries (`modelSettings.retry`) stay off: they veto streamed retries once
// any event arrived, which is every WebSocket fault.
import {
  UserError,
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ModelRetryAdvice,
  type ModelRetryAdviceRequest,
} from '@openai/agents';
import { APIError } from 'openai';
import { modelSessions } from './background-mode.ts';
import { UpstreamModelError, UpstreamModelRateLimited, type UpstreamFailure } from './errors.ts';
import { ModelCall, type ModelCallObserver } from './model-call.ts';
import type { ModelTransport } from './model-provider.ts';

export interface UpstreamRetryOptions {
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** First backoff delay (default 500 ms), doubled per retry up to `maxDelayMs` (default 8 s), ±20 % jitter. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * A `retry-after` longer than this is not waited for in the worker (default 20 s): the failure
   * is reported at once with `retryAfterSeconds`, so the queue can slow down instead.
   */
  maxRetryAfterMs?: number;
  /**
   * Retries the `openai` client makes itself (its `maxRetries`, default 0 here). When above 0, an
   * HTTP error raised before any event was already retried by the client and is not retried again.
   */
  clientRetries?: number;
  /** Told about each retry (logging). */
  onRetry?(info: { attempt: number; delayMs: number; failure: UpstreamFailure }): void;
  /** Replaceable in tests. */
  random?: () => number;
  /** Told about every attempt's outcome and usage (metrics); each attempt is also a span. */
  onModelCall?: ModelCallObserver;
  /** Labels the attempts' spans and reports. */
  transport?: ModelTransport;
  /**
   * A call failed before any output after the API had created its response (background mode:
   * it may keep running, or stay queued, upstream): told its id before the retry creates another.
   */
  onAbandonedResponse?(responseId: string): void;
}

type StreamEvent = ReturnType<Model['getStreamedResponse']> extends AsyncIterable<infer E> ? E : never;

const PRE_OUTPUT_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued']);
/** Raw events that end a call unsuccessfully and say why (the WebSocket `error`, `response.failed`). */
const FAILURE_EVENTS = new Set(['error', 'response.failed', 'response.error']);

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

function retryAfterMsOf(headers: { get(name: string): string | null | undefined }): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const seconds = headers.get('retry-after');
  if (!seconds) return undefined;
  if (Number.isFinite(Number(seconds))) return Math.max(0, Number(seconds) * 1000);
  const date = Date.parse(seconds);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Status, code and retry-after from a raw failure event (WebSocket `error`, `response.failed`). */
function failureFromRawEvent(raw: Record<string, unknown>): Omit<UpstreamFailure, 'outputStarted' | 'attempts'> {
  const error = record(raw.error) ?? record(record(raw.response)?.error) ?? {};
  const headers = record(error.headers) ?? {};
  const out: Omit<UpstreamFailure, 'outputStarted' | 'attempts'> = {
    message: typeof error.message === 'string' ? error.message : `model stream ended with ${String(raw.type)}`,
  };
  if (typeof raw.status === 'number') out.status = raw.status;
  if (typeof error.code === 'string') out.code = error.code;
  const retryAfterMs = retryAfterMsOf({ get: (name) => (typeof headers[name] === 'string' ? headers[name] : null) });
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  // `response.failed` carries no status: its codes say what kind of failure it was.
  if (out.status === undefined && out.code === 'rate_limit_exceeded') out.status = 429;
  if (out.status === undefined && out.code === 'server_error') out.status = 500;
  return out;
}

function failureFromError(err: unknown): Omit<UpstreamFailure, 'outputStarted' | 'attempts'> {
  if (err instanceof APIError) {
    // APIError messages start with the status, which `describe` prints already.
    const out: Omit<UpstreamFailure, 'outputStarted' | 'attempts'> = { message: err.message.replace(/^\d{3} /, '') };
    if (typeof err.status === 'number') out.status = err.status;
    if (typeof err.code === 'string') out.code = err.code;
    const retryAfterMs = err.headers ? retryAfterMsOf(err.headers) : undefined;
    if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
    return out;
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

/** 429, 408/409, 5xx and failures without a status (dropped streams, closed sockets) are transient. */
function isTransient(f: Pick<UpstreamFailure, 'status'>): boolean {
  return f.status === undefined || f.status === 408 || f.status === 409 || f.status === 429 || f.status >= 500;
}

function describe(f: UpstreamFailure): string {
  const what = f.status !== undefined ? `${f.status}${f.code ? ` ${f.code}` : ''}` : (f.code ?? 'stream broken');
  return `${what}: ${f.message}`;
}

function upstreamError(f: UpstreamFailure, cause: unknown): UpstreamModelRateLimited | UpstreamModelError {
  if (f.outputStarted) return new UpstreamModelError(`model stream failed after its output started (${describe(f)})`, f, { cause });
  const tries = `after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`;
  if (f.status === 429) {
    const wait = f.retryAfterMs !== undefined ? `; retry after ${Math.ceil(f.retryAfterMs / 1000)} s` : '';
    return new UpstreamModelRateLimited(`model rate limited ${tries} (${describe(f)})${wait}`, f, { cause });
  }
  return new UpstreamModelError(`model request failed ${tries} (${describe(f)})`, f, { cause });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A model whose calls are retried while nothing of them reached the client (see the file comment). */
export class RetryingModel implements Model {
  readonly supportsPromptModelSelection?: boolean;

  constructor(
    readonly inner: Model,
    private readonly opts: UpstreamRetryOptions = {},
    private readonly modelName?: string,
  ) {
    if (inner.supportsPromptModelSelection !== undefined) this.supportsPromptModelSelection = inner.supportsPromptModelSelection;
  }

  private delayFor(attempt: number, failure: UpstreamFailure): number {
    if (failure.retryAfterMs !== undefined) return failure.retryAfterMs;
    const base = Math.min(this.opts.maxDelayMs ?? 8_000, (this.opts.initialDelayMs ?? 500) * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + 0.4 * (this.opts.random ?? Math.random)()));
  }

  /** null: give up with this failure; else the delay before the next attempt. */
  private nextDelay(attempt: number, failure: UpstreamFailure, alreadyRetried: boolean): number | null {
    if (failure.outputStarted || alreadyRetried || !isTransient(failure)) return null;
    if (attempt > (this.opts.maxRetries ?? 2)) return null;
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > (this.opts.maxRetryAfterMs ?? 20_000)) return null;
    return this.delayFor(attempt, failure);
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    modelSessions.getStore()?.onCallStart?.();
    for (let attempt = 1; ; attempt++) {
      const held: StreamEvent[] = [];
      let started = false;
      let sawEvent = false;
      let rawFailure: Record<string, unknown> | null = null;
      const call = this.call(attempt);
      try {
        for await (const ev of this.inner.getStreamedResponse(request)) {
          sawEvent = true;
          const raw = ev.type === 'model' ? record(ev.event) : null;
          if (raw) call.event(raw);
          if (!started) {
            const rawType = raw ? String(raw.type) : '';
            if (raw && FAILURE_EVENTS.has(rawType)) rawFailure = raw;
            // Hold what precedes the output: if the call fails now, the retry replaces it unseen.
            if (ev.type === 'response_started' || (raw && (PRE_OUTPUT_EVENTS.has(rawType) || FAILURE_EVENTS.has(rawType)))) {
              held.push(ev);
              continue;
            }
            started = true;
            yield* held;
            held.length = 0;
          }
          yield ev;
        }
        yield* held;
        call.succeeded();
        return;
      } catch (err) {
        const failure: UpstreamFailure = {
          ...(rawFailure ? failureFromRawEvent(rawFailure) : failureFromError(err)),
          outputStarted: started,
          attempts: attempt,
        };
        call.failed(err, failure.status, request.signal?.aborted === true);
        if (!started) this.abandoned(held);
        // Cancellation and mistakes in the request (UserError) are not upstream faults.
        if (request.signal?.aborted || err instanceof UserError) throw err;
        // An APIError raised before any event comes from the HTTP request itself, which the
        // `openai` client has retried already if it was told to.
        const alreadyRetried = (this.opts.clientRetries ?? 0) > 0 && !sawEvent && err instanceof APIError;
        const delay = this.nextDelay(attempt, failure, alreadyRetried);
        if (delay === null) throw upstreamError(failure, err);
        this.opts.onRetry?.({ attempt, delayMs: delay, failure });
        await sleep(delay, request.signal);
      } finally {
        call.settle();
      }
    }
  }

  /** The response a failed call created, unless it is the one the run continues (a later call streams it again). */
  private abandoned(held: StreamEvent[]): void {
    if (!this.opts.onAbandonedResponse) return;
    for (const ev of held) {
      const raw = ev.type === 'model' ? record(ev.event) : null;
      const id = raw?.type === 'response.created' ? record(raw.response)?.id : undefined;
      if (typeof id === 'string' && modelSessions.getStore()?.resumeNext !== id) this.opts.onAbandonedResponse(id);
    }
  }

  private call(attempt: number): ModelCall {
    return new ModelCall({
      attempt,
      ...(this.modelName ? { model: this.modelName } : {}),
      ...(this.opts.transport ? { transport: this.opts.transport } : {}),
      ...(this.opts.onModelCall ? { observer: this.opts.onModelCall } : {}),
    });
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    for (let attempt = 1; ; attempt++) {
      const call = this.call(attempt);
      try {
        const response = await this.inner.getResponse(request);
        call.succeeded();
        return response;
      } catch (err) {
        const failure: UpstreamFailure = { ...failureFromError(err), outputStarted: false, attempts: attempt };
        call.failed(err, failure.status, request.signal?.aborted === true);
        if (request.signal?.aborted || err instanceof UserError) throw err;
        const delay = this.nextDelay(attempt, failure, (this.opts.clientRetries ?? 0) > 0 && err instanceof APIError);
        if (delay === null) throw upstreamError(failure, err);
        this.opts.onRetry?.({ attempt, delayMs: delay, failure });
        await sleep(delay, request.signal);
      }
    }
  }

  getRetryAdvice(args: ModelRetryAdviceRequest): Promise<ModelRetryAdvice | undefined> | ModelRetryAdvice | undefined {
    return this.inner.getRetryAdvice?.(args);
  }
}

/** Wraps every model a provider hands out in a RetryingModel. */
export class RetryingModelProvider implements ModelProvider {
  constructor(
    readonly inner: ModelProvider,
    private readonly opts: UpstreamRetryOptions = {},
  ) {}

  async getModel(modelName?: string): Promise<Model> {
    return new RetryingModel(await this.inner.getModel(modelName), this.opts, modelName);
  }
}
