// Model upstream metrics of the generation worker: Responses API requests by status and transport,
// 429s, the `openai` client's retries, and tokens by kind. `instrumentFetch` records every HTTP
// attempt (retries included) when handed to the `openai` client as its `fetch`.
import type { Registry } from 'prom-client';
import { counter, type LabeledCounter, type MetricDefinition, type PlainCounter } from './metric-kit.ts';

export type ModelTransport = 'http' | 'websocket';

/** `input` is uncached input, so the three kinds add up to the total. */
export type TokenKind = 'input' | 'input_cached' | 'output';
export const TOKEN_KINDS: readonly TokenKind[] = ['input', 'input_cached', 'output'];

export const MODEL_METRICS = {
  requests: {
    name: 'switchyard_model_requests_total',
    type: 'counter',
    help: 'Model requests (each HTTP attempt; each WebSocket response) by status (HTTP code, "error" or "aborted") and transport.',
    labelNames: ['status', 'transport'],
  },
  rateLimited: {
    name: 'switchyard_model_rate_limited_total',
    type: 'counter',
    help: 'Model requests answered 429 (rate limited).',
    labelNames: [],
  },
  retries: {
    name: 'switchyard_model_retries_total',
    type: 'counter',
    help: 'Model request attempts that were retries of an earlier attempt (openai client retries).',
    labelNames: [],
  },
  tokens: {
    name: 'switchyard_model_tokens_total',
    type: 'counter',
    help: 'Model tokens by kind: input (uncached), input_cached, output.',
    labelNames: ['kind'],
  },
} as const satisfies Record<string, MetricDefinition>;

export interface ModelMetrics {
  requests: LabeledCounter<{ status: string; transport: ModelTransport }>;
  rateLimited: PlainCounter;
  retries: PlainCounter;
  tokens: LabeledCounter<{ kind: TokenKind }>;
}

export function registerModelMetrics(registry: Registry): ModelMetrics {
  const d = MODEL_METRICS;
  return {
    requests: counter(registry, d.requests),
    rateLimited: counter(registry, d.rateLimited),
    retries: counter(registry, d.retries),
    tokens: counter(registry, d.tokens),
  };
}

export function zeroModelMetrics(model: ModelMetrics): void {
  for (const kind of TOKEN_KINDS) model.tokens.inc({ kind }, 0);
}

/** One finished model request: `status` is an HTTP code, or "error"/"aborted" when none came back. */
export function recordModelRequest(model: ModelMetrics, transport: ModelTransport, status: number | string): void {
  model.requests.inc({ status: String(status), transport });
  if (String(status) === '429') model.rateLimited.inc();
}

/** The status label for a failed request: the HTTP status an `openai` APIError carries, else "aborted" or "error". */
export function modelStatusOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && Number.isInteger(status)) return String(status);
    const name = (err as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'APIUserAbortError') return 'aborted';
  }
  return 'error';
}

/** Responses API `usage` (from `response.completed`). */
export interface ModelUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  input_tokens_details?: { cached_tokens?: number | null } | null;
}

export function recordModelUsage(model: ModelMetrics, usage: ModelUsage | null | undefined): void {
  if (!usage) return;
  const input = usage.input_tokens ?? 0;
  const cached = Math.min(input, usage.input_tokens_details?.cached_tokens ?? 0);
  if (input - cached > 0) model.tokens.inc({ kind: 'input' }, input - cached);
  if (cached > 0) model.tokens.inc({ kind: 'input_cached' }, cached);
  const output = usage.output_tokens ?? 0;
  if (output > 0) model.tokens.inc({ kind: 'output' }, output);
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The `openai` client numbers its attempts in this header (0 = first attempt). */
const RETRY_HEADER = 'x-stainless-retry-count';

function retryCountOf(input: string | URL | Request, init?: RequestInit): number {
  const headers = init?.headers !== undefined ? new Headers(init.headers) : input instanceof Request ? input.headers : undefined;
  const n = Number(headers?.get(RETRY_HEADER) ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * A `fetch` that records each HTTP attempt: its status, 429s, and whether it was a retry. Hand it to
 * the `openai` client (`new OpenAI({ fetch: instrumentFetch(metrics.model) })`).
 */
export function instrumentFetch(model: ModelMetrics, fetchImpl: FetchLike = globalThis.fetch): FetchLike {
  return async (input, init) => {
    if (retryCountOf(input, init) > 0) model.retries.inc();
    let res: Response;
    try {
      res = await fetchImpl(input, init);
    } catch (err) {
      recordModelRequest(model, 'http', modelStatusOf(err));
      throw err;
    }
    recordModelRequest(model, 'http', res.status);
    return res;
  };
}
