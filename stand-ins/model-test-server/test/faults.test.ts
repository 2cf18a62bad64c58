// Injected faults as the real SDKs see them: 429 with a readable retry-after, 500, and a stream
// cut mid-answer — queued, via the control route, and via `[fault:…]` markers, on both transports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APIConnectionError, InternalServerError, RateLimitError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { Agent } from '@openai/agents';
import type { RunStreamEvent } from '@openai/agents';
import { answerText, faultFromMarker, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { agentsRunner, client, installWebSocketGlobal } from './helpers.ts';

let server: ModelTestServer;
let restoreWebSocket: () => void;

beforeAll(async () => {
  restoreWebSocket = installWebSocketGlobal();
  server = await startModelTestServer();
});
afterAll(async () => {
  await server.close();
  restoreWebSocket();
});

const agent = new Agent({ name: 'chat', instructions: 'Answer.', model: 'gpt-test' });

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('faults over HTTP with the openai client', () => {
  it('a queued rate_limit is a RateLimitError with retry-after readable', async () => {
    server.queueFault({ kind: 'rate_limit', retryAfterSeconds: 3 });
    const error = await caught(client(server).responses.create({ model: 'gpt-test', input: 'hi', stream: true }));
    if (!(error instanceof RateLimitError)) throw new Error(`expected RateLimitError, got ${String(error)}`);
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after')).toBe('3');
    expect(error.code).toBe('rate_limit_exceeded');
  });

  it('a queued server_error is an InternalServerError, and is one-shot (a client retry succeeds)', async () => {
    server.queueFault({ kind: 'server_error' });
    const error = await caught(client(server).responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(error).toBeInstanceOf(InternalServerError);

    server.queueFault({ kind: 'server_error' });
    const before = server.requests.length;
    const response = await client(server, 1).responses.create({ model: 'gpt-test', input: 'retry me' });
    expect(response.output_text).toBe(answerText('retry me'));
    expect(server.requests.length - before).toBe(2);
  });

  it('a [fault:500] marker fails every attempt, so retries are exhausted', async () => {
    const before = server.requests.length;
    const error = await caught(client(server, 1).responses.create({ model: 'gpt-test', input: 'boom [fault:500]' }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(server.requests.length - before).toBe(2);
  });

  it('drop_mid_stream breaks the SSE stream after exactly N events', async () => {
    server.queueFault({ kind: 'drop_mid_stream', afterEvents: 5 });
    const stream = await client(server).responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const events: ResponseStreamEvent[] = [];
    const error = await caught(
      (async () => {
        for await (const event of stream) events.push(event);
      })(),
    );
    expect(error).toBeInstanceOf(Error);
    expect(events).toHaveLength(5);
    expect(events.some((e) => e.type === 'response.completed')).toBe(false);
  });

  it('POST /__control/faults queues a fault for the next request', async () => {
    const origin = new URL(server.baseURL).origin;
    const queued = await fetch(`${origin}/__control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'rate_limit', retryAfterSeconds: 9 }),
    });
    expect(await queued.json()).toEqual({ queued: 1 });
    const error = await caught(client(server).responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(error instanceof RateLimitError && error.headers.get('retry-after')).toBe('9');
  });

  it('a drop before any event is a connection error for a JSON request', async () => {
    server.queueFault({ kind: 'drop_mid_stream', afterEvents: 0 });
    const error = await caught(client(server).responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(error).toBeInstanceOf(APIConnectionError);
  });
});

describe('faults under @openai/agents over HTTP', () => {
  it('a [fault:429] marker surfaces as the RateLimitError with retry-after', async () => {
    const { runner, provider } = agentsRunner(server, false);
    try {
      const result = await runner.run(agent, 'hello [fault:429:2]', { stream: true });
      const error = await caught(
        (async () => {
          for await (const _event of result) {
            // the stream ends when the model call fails
          }
          await result.completed;
        })(),
      );
      if (!(error instanceof RateLimitError)) throw new Error(`expected RateLimitError, got ${String(error)}`);
      expect(error.headers.get('retry-after')).toBe('2');
    } finally {
      await provider.close();
    }
  });

  it('a [fault:drop] marker fails the streamed run', async () => {
    const { runner, provider } = agentsRunner(server, false);
    try {
      const result = await runner.run(agent, 'hello [fault:drop:6]', { stream: true });
      const error = await caught(
        (async () => {
          for await (const _event of result) {
            // drain until the broken stream throws
          }
          await result.completed;
        })(),
      );
      expect(error).toBeInstanceOf(Error);
    } finally {
      await provider.close();
    }
  });
});

describe('faults under @openai/agents over WebSocket mode', () => {
  it('a rate limit arrives as the error event (status 429, retry-after) and fails the run', async () => {
    const { runner, provider } = agentsRunner(server, true);
    try {
      server.queueFault({ kind: 'rate_limit', retryAfterSeconds: 5 });
      const result = await runner.run(agent, 'hi', { stream: true });
      const seen: RunStreamEvent[] = [];
      const error = await caught(
        (async () => {
          for await (const event of result) seen.push(event);
          await result.completed;
        })(),
      );
      expect(error).toBeInstanceOf(Error);
      const raw = seen.flatMap((event) =>
        event.type === 'raw_model_stream_event' && event.data.type === 'model' ? [event.data.event] : [],
      );
      expect(raw).toEqual([
        {
          type: 'error',
          status: 429,
          error: {
            type: 'requests',
            code: 'rate_limit_exceeded',
            param: null,
            message: expect.stringContaining('Rate limit') as unknown,
            headers: { 'retry-after': '5' },
          },
        },
      ]);
    } finally {
      await provider.close();
    }
  });

  it('a drop mid-stream fails the run, and the provider reconnects for the next one', async () => {
    const { runner, provider } = agentsRunner(server, true);
    try {
      server.queueFault({ kind: 'drop_mid_stream', afterEvents: 6 });
      const result = await runner.run(agent, 'hi', { stream: true });
      const error = await caught(
        (async () => {
          for await (const _event of result) {
            // drain until the socket dies
          }
          await result.completed;
        })(),
      );
      expect(error).toBeInstanceOf(Error);
      const again = await runner.run(agent, 'after the drop');
      expect(again.finalOutput).toBe(answerText('after the drop'));
    } finally {
      await provider.close();
    }
  });
});

describe('fault markers', () => {
  it('parse kinds and arguments', () => {
    expect(faultFromMarker('x [fault:429] y')).toEqual({ kind: 'rate_limit', retryAfterSeconds: 1 });
    expect(faultFromMarker('[FAULT:429:30]')).toEqual({ kind: 'rate_limit', retryAfterSeconds: 30 });
    expect(faultFromMarker('[fault:500]')).toEqual({ kind: 'server_error' });
    expect(faultFromMarker('[fault:drop]')).toEqual({ kind: 'drop_mid_stream', afterEvents: 4 });
    expect(faultFromMarker('[fault:drop:9]')).toEqual({ kind: 'drop_mid_stream', afterEvents: 9 });
    expect(faultFromMarker('no marker here')).toBeNull();
  });
});
