// Upstream faults through agentResponder, on both transports, against the project's Responses
// server: one-shot 429/500/drops before any output are retried unseen; persistent ones end in one
// clear error that keeps the status (recovered from the WebSocket error event) and retry-after; a
// break after output is never retried; a retry-after beyond what a worker waits fails at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '@openai/agents';
import { answerText, startModelTestServer, type ModelTestServer } from '@switchyard/model-test-server';
import {
  agentResponder,
  createModelProviderPool,
  UpstreamModelError,
  UpstreamModelRateLimited,
  type ModelCallReport,
  type ModelProviderPool,
  type UpstreamFailure,
} from '../src/index.ts';
import { chatKitEvents, drain, installWebSocketGlobal, respondArgs, userMessage } from './helpers.ts';

let server: ModelTestServer;
let restoreWebSocket: () => void;
const pools: ModelProviderPool[] = [];
const retries: UpstreamFailure[] = [];
const calls: ModelCallReport[] = [];

beforeAll(async () => {
  restoreWebSocket = installWebSocketGlobal();
  server = await startModelTestServer({ textDeltas: 3 });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await server?.close();
  restoreWebSocket();
});

const agent = new Agent({ name: 'plain', instructions: 'Answer.', model: 'gpt-test' });

function respond(transport: 'http' | 'websocket', maxRetryAfterMs?: number) {
  const providers = createModelProviderPool({
    apiKey: 'test',
    baseURL: server.baseURL,
    transport,
    concurrency: 1,
    retry: {
      initialDelayMs: 5,
      ...(maxRetryAfterMs !== undefined ? { maxRetryAfterMs } : {}),
      onRetry: ({ failure }) => void retries.push(failure),
      onModelCall: (c) => void calls.push(c),
    },
  });
  pools.push(providers);
  return agentResponder({ agent, providers, partialImages: 0, imageInput: async () => null });
}

async function run(transport: 'http' | 'websocket', text: string, maxRetryAfterMs?: number) {
  const before = server.requests.length;
  retries.length = 0;
  calls.length = 0;
  const result = await drain(respond(transport, maxRetryAfterMs)(respondArgs([userMessage(text)])));
  return { ...result, requests: server.requests.length - before };
}

const assistantText = (events: ReturnType<typeof chatKitEvents>) => {
  const done = events.at(-1);
  return done?.type === 'thread.item.done' && done.item.type === 'assistant_message' ? done.item.content[0]?.text : null;
};

describe.each(['http', 'websocket'] as const)('upstream faults over %s', (transport) => {
  it('a one-shot 429 before any output is retried after its retry-after; the client sees a normal answer', async () => {
    server.queueFault({ kind: 'rate_limit', retryAfterSeconds: 0 });
    const { events, error, requests } = await run(transport, 'hello');
    expect(error).toBeNull();
    expect(requests).toBe(2);
    expect(retries).toMatchObject([{ status: 429, code: 'rate_limit_exceeded', retryAfterMs: 0, outputStarted: false, attempts: 1 }]);
    expect(assistantText(chatKitEvents(events))).toBe(answerText('hello'));
    // Each attempt is reported with its status (the WebSocket 429 recovered from the error event)
    // and the completed one with the usage the server sent.
    const usage = server.completedResponses.at(-1)!.usage;
    expect(calls).toEqual([
      { transport, status: 429 },
      { transport, status: 200, usage: expect.objectContaining({ input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }) },
    ]);
  });

  it('a one-shot 500 and a stream dropped before any output item are retried too', async () => {
    server.queueFault({ kind: 'server_error' });
    server.queueFault({ kind: 'drop_mid_stream', afterEvents: 2 });
    const { events, error, requests } = await run(transport, 'again');
    expect(error).toBeNull();
    expect(requests).toBe(3);
    expect(retries.map((f) => f.status ?? 'none')).toEqual([500, 'none']);
    // Nothing of the failed attempts reached the client: one message, added once.
    expect(chatKitEvents(events).filter((e) => e.type === 'thread.item.added')).toHaveLength(1);
  });

  it('a persistent 429 ends in UpstreamModelRateLimited with status and retry-after after the bounded retries', async () => {
    const { events, error, requests } = await run(transport, 'hi [fault:429:0]');
    expect(events).toEqual([]);
    expect(requests).toBe(3);
    if (!(error instanceof UpstreamModelRateLimited)) throw new Error(`expected UpstreamModelRateLimited, got ${String(error)}`);
    expect(error.failure).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterMs: 0, outputStarted: false, attempts: 3 });
    expect(error.retryAfterSeconds).toBe(0);
    expect(error.message).toMatch(/^model rate limited after 3 attempts \(429 rate_limit_exceeded: Rate limit reached/);
  });

  it('a retry-after longer than a worker waits fails at once, carrying it for the queue', async () => {
    server.queueFault({ kind: 'rate_limit', retryAfterSeconds: 30 });
    const { error, requests } = await run(transport, 'hi', 20_000);
    expect(requests).toBe(1);
    if (!(error instanceof UpstreamModelRateLimited)) throw new Error(`expected UpstreamModelRateLimited, got ${String(error)}`);
    expect(error.retryAfterSeconds).toBe(30);
  });

  it('a stream broken after its output started is not retried: one clear error after the partial message', async () => {
    const { events, error, requests } = await run(transport, 'hi [fault:drop:5]');
    expect(requests).toBe(1);
    if (!(error instanceof UpstreamModelError)) throw new Error(`expected UpstreamModelError, got ${String(error)}`);
    expect(error.failure.outputStarted).toBe(true);
    expect(error.message).toMatch(/^model stream failed after its output started/);
    expect(chatKitEvents(events).map((e) => e.type)).toContain('thread.item.added');
  });
});
