// Model access for a worker process: the real `openai` client (OpenAI, or any Responses-compatible
// endpoint via OPENAI_BASE_URL) behind the Agents SDK, over HTTP streaming or the Responses
// WebSocket mode. One WebSocket provider serializes its runs (PITFALLS), so WebSocket mode keeps a
// bounded pool of persistent sockets sized to the worker's concurrency and leases one per run.
import OpenAI from 'openai';
import type { ModelProvider } from '@openai/agents';
import { OpenAIProvider, setTracingDisabled } from '@openai/agents';
import { WebSocket as WsWebSocket } from 'ws';

export type ModelTransport = 'http' | 'websocket';

export interface ModelProviderConfig {
  apiKey: string;
  baseURL?: string;
  transport: ModelTransport;
  /** Concurrent runs of this process: the WebSocket pool size. */
  concurrency: number;
  /** Retries the `openai` client makes on 429/5xx before the stream starts. */
  maxRetries?: number;
}

export interface ProviderLease {
  provider: ModelProvider;
  release(): void;
}

export interface ModelProviderPool {
  readonly transport: ModelTransport;
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
  const client = () =>
    new OpenAI({ apiKey: cfg.apiKey, ...(cfg.baseURL ? { baseURL: cfg.baseURL } : {}), maxRetries: cfg.maxRetries ?? 2 });

  if (cfg.transport === 'http') {
    const provider = new OpenAIProvider({ openAIClient: client() });
    return {
      transport: 'http',
      lease: async () => ({ provider, release: () => undefined }),
      close: () => provider.close(),
    };
  }

  ensureGlobalWebSocket();
  const size = Math.max(1, cfg.concurrency);
  const idle: OpenAIProvider[] = [];
  const all: OpenAIProvider[] = [];
  const waiters: Array<(p: OpenAIProvider) => void> = [];
  return {
    transport: 'websocket',
    async lease() {
      let provider = idle.pop();
      if (!provider && all.length < size) {
        provider = new OpenAIProvider({ openAIClient: client(), useResponsesWebSocket: true });
        all.push(provider);
      }
      if (!provider) provider = await new Promise<OpenAIProvider>((resolve) => waiters.push(resolve));
      const leased = provider;
      let released = false;
      return {
        provider: leased,
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
      await Promise.all(all.map((p) => p.close()));
    },
  };
}
