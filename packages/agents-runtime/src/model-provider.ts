// Model access for a worker process: the real `openai` client (OpenAI, or any Responses-compatible
// endpoint via OPENAI_BASE_URL) behind the Agents SDK, over HTTP streaming or the Responses
// WebSocket mode. One WebSocket provider serializes its runs (PITFALLS), so WebSocket mode keeps a
// bounded pool of persistent sockets sized to the worker's concurrency and leases one per run.
// Every provider handed out retries upstream faults before output (upstream-retry.ts).
import OpenAI from 'openai';
import type { ModelProvider } from '@openai/agents';
import { OpenAIProvider, setTracingDisabled } from '@openai/agents';
import { WebSocket as WsWebSocket } from 'ws';
import { backgroundFetch, type BackgroundFetchOptions } from './background-mode.ts';
import { RetryingModelProvider, type UpstreamRetryOptions } from './upstream-retry.ts';

export type ModelTransport = 'http' | 'websocket';

export interface ModelProviderConfig {
  apiKey: string;
  baseURL?: string;
  transport: ModelTransport;
  /** Concurrent runs of this process: the WebSocket pool size. */
  concurrency: number;
  /**
   * Retries the `openai` client makes itself on 429/5xx before an HTTP stream starts. Default 0:
   * upstream-retry.ts retries for both transports with one policy (see there).
   */
  maxRetries?: number;
  /** Upstream retries before output (upstream-retry.ts); defaults: 2 retries, 0.5 s → 8 s backoff. */
  retry?: UpstreamRetryOptions;
  /**
   * Background mode (docs/resume.md): streamed responses are created with `background: true` so a
   * later attempt of the run can continue them. The Responses WebSocket mode does not support it,
   * so a pool in background mode uses HTTP whatever `transport` says.
   */
  background?: boolean | BackgroundFetchOptions;
  /** A fetch for the `openai` client (HTTP transport), e.g. one that counts requests by status. */
  fetch?: ConstructorParameters<typeof OpenAI>[0] extends infer O ? (O extends { fetch?: infer F } ? F : never) : never;
}

export interface ProviderLease {
  provider: ModelProvider;
  release(): void;
}

export interface ModelProviderPool {
  readonly transport: ModelTransport;
  /** Responses are created in background mode and can be continued by a later attempt. */
  readonly background: boolean;
  /** Stops a background response upstream (`POST /responses/{id}/cancel`); one already finished is left as it is. */
  cancelResponse(responseId: string): Promise<void>;
  lease(): Promise<ProviderLease>;
  close(): Promise<void>;
}

/** Node 20 has no global WebSocket; the Agents SDK's WebSocket mode needs one (`ws` accepts headers). */
function ensureGlobalWebSocket(): void {
  const g = globalThis as { WebSocket?: unknown };
  if (typeof g.WebSocket === 'undefined') g.WebSocket = WsWebSocket;
}

export function createModelProviderPool(cfg: ModelProviderConfig): ModelProviderPool {
  // The SDK's tracing exporter would try to reach api.openai.com; traces go through OpenTelemetry instead.
  setTracingDisabled(true);
  const background = cfg.background !== undefined && cfg.background !== false;
  const fetch = background
    ? backgroundFetch(cfg.fetch ?? globalThis.fetch, cfg.background === true ? {} : cfg.background || {})
    : cfg.fetch;
  const client = () =>
    new OpenAI({
      apiKey: cfg.apiKey,
      ...(cfg.baseURL ? { baseURL: cfg.baseURL } : {}),
      ...(fetch ? { fetch } : {}),
      maxRetries: cfg.maxRetries ?? 0,
    });
  const transport: ModelTransport = background ? 'http' : cfg.transport;
  const control = client();
  const cancelResponse = async (responseId: string) => {
    try {
      await control.responses.cancel(responseId);
    } catch (err) {
      // Finished already (400), or gone (404): nothing runs any more.
      if (!(err instanceof OpenAI.APIError) || (err.status !== 400 && err.status !== 404)) throw err;
    }
  };
  const retry: UpstreamRetryOptions = {
    ...cfg.retry,
    clientRetries: cfg.maxRetries ?? 0,
    transport,
    // A background response whose stream failed before any output may still run (or sit queued): the retry creates another.
    ...(background ? { onAbandonedResponse: (id: string) => void cancelResponse(id).catch(() => undefined) } : {}),
  };

  if (transport === 'http') {
    const inner = new OpenAIProvider({ openAIClient: client() });
    const provider = new RetryingModelProvider(inner, retry);
    return {
      transport: 'http',
      background,
      cancelResponse,
      lease: async () => ({ provider, release: () => undefined }),
      close: () => inner.close(),
    };
  }

  ensureGlobalWebSocket();
  const size = Math.max(1, cfg.concurrency);
  type Pooled = { socket: OpenAIProvider; provider: RetryingModelProvider };
  const idle: Pooled[] = [];
  const all: Pooled[] = [];
  const waiters: Array<(p: Pooled) => void> = [];
  return {
    transport: 'websocket',
    background: false,
    cancelResponse,
    async lease() {
      let pooled = idle.pop();
      if (!pooled && all.length < size) {
        const socket = new OpenAIProvider({ openAIClient: client(), useResponsesWebSocket: true });
        pooled = { socket, provider: new RetryingModelProvider(socket, retry) };
        all.push(pooled);
      }
      if (!pooled) pooled = await new Promise<Pooled>((resolve) => waiters.push(resolve));
      const leased = pooled;
      let released = false;
      return {
        provider: leased.provider,
        release() {
          if (released) return;
          released = true;
          const next = waiters.shift();
          if (next) next(leased);
          else idle.push(leased);
        },
      };
    },
    async close() {
      await Promise.all(all.map((p) => p.socket.close()));
    },
  };
}
