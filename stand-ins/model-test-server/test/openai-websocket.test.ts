// The Responses WebSocket mode driven by the real `openai` transport (`ResponsesWS`) and its
// `stream_id` lanes (`ResponsesWebSocketSession`), plus protocol edges checked with a raw socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponsesWebSocketSession } from 'openai/lib/responses/responses-websocket-session';
import { WebSocketError } from 'openai/resources/responses/internal-base';
import { ResponsesWS } from 'openai/resources/responses/ws';
import type { ResponsesServerEvent } from 'openai/resources/responses/responses';
import { WebSocket } from 'ws';
import { answerText, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { client } from './helpers.ts';

let server: ModelTestServer;

beforeAll(async () => {
  // Paced deltas make lanes on one socket visibly interleave.
  server = await startModelTestServer({ deltaDelayMs: 2 });
});
afterAll(async () => {
  await server.close();
});

async function openResponsesWS(): Promise<ResponsesWS> {
  const rws = new ResponsesWS(client(server));
  // API error events also arrive on 'event'; without an 'error' listener the SDK rejects unhandled.
  rws.on('error', () => {});
  if (rws.socket.readyState !== 1) await new Promise<void>((resolve) => rws.socket.once('open', resolve));
  return rws;
}

/** Collects events until the next terminal event of the default lane. */
function nextResponse(rws: ResponsesWS): Promise<ResponsesServerEvent[]> {
  return new Promise((resolve) => {
    const events: ResponsesServerEvent[] = [];
    const onEvent = (event: ResponsesServerEvent): void => {
      events.push(event);
      if (event.type === 'response.completed' || event.type === 'error') {
        rws.off('event', onEvent);
        resolve(events);
      }
    };
    rws.on('event', onEvent);
  });
}

describe('WebSocket mode with the openai ResponsesWS transport', () => {
  it('answers several responses in sequence on one socket', async () => {
    const rws = await openResponsesWS();
    try {
      const before = server.requests.length;
      for (const question of ['one', 'two', 'three']) {
        const done = nextResponse(rws);
        rws.send({ type: 'response.create', model: 'gpt-test', input: question });
        const events = await done;
        expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
        const last = events.at(-1);
        if (last?.type !== 'response.completed') throw new Error('expected response.completed');
        const [message] = last.response.output;
        expect(message?.type === 'message' ? message.content : []).toEqual([
          { type: 'output_text', text: answerText(question), annotations: [] },
        ]);
      }
      const recorded = server.requests.slice(before);
      expect(recorded.map((r) => r.transport)).toEqual(['websocket', 'websocket', 'websocket']);
      expect(new Set(recorded.map((r) => r.connectionId)).size).toBe(1);
      expect(recorded[0]?.body).toEqual({ type: 'response.create', model: 'gpt-test', input: 'one' });
    } finally {
      rws.close();
    }
  });

  it('runs stream_id lanes of one socket concurrently and echoes stream_id on every event', async () => {
    const rws = await openResponsesWS();
    const session = new ResponsesWebSocketSession(rws, { maxLanes: 8, maxBufferedEvents: 10_000, maxBufferedBytes: 64 << 20 });
    const wireOrder: (string | undefined)[] = [];
    rws.on('event', (event) => wireOrder.push('stream_id' in event ? event.stream_id : undefined));
    try {
      const lanes = ['alpha', 'beta', 'gamma'].map((id) => session.lane(id));
      lanes.forEach((lane, i) => lane.create({ model: 'gpt-test', input: `lane ${i}` }));
      const finals = await Promise.all(lanes.map((lane) => lane.finalResponse()));
      expect(finals.map((f) => f.output_text)).toEqual(lanes.map((_, i) => answerText(`lane ${i}`)));
      expect(wireOrder.every((id) => id !== undefined)).toBe(true);
      // Interleaved, not one lane after another: alpha's last event comes after beta's first.
      expect(wireOrder.lastIndexOf('alpha')).toBeGreaterThan(wireOrder.indexOf('beta'));
    } finally {
      session.close();
      rws.close();
    }
  });

  it('refuses a rate-limited request with an error event carrying status 429 and retry-after', async () => {
    const rws = await openResponsesWS();
    const session = new ResponsesWebSocketSession(rws, { maxLanes: 4, maxBufferedEvents: 1000, maxBufferedBytes: 1 << 20 });
    try {
      server.queueFault({ kind: 'rate_limit', retryAfterSeconds: 4 });
      const lane = session.lane('limited');
      lane.create({ model: 'gpt-test', input: 'hi' });
      const failure: unknown = await lane.finalResponse().catch((error: unknown) => error);
      if (!(failure instanceof WebSocketError)) throw new Error('expected a WebSocketError');
      expect(failure.error).toMatchObject({
        type: 'error',
        status: 429,
        stream_id: 'limited',
        error: { code: 'rate_limit_exceeded', headers: { 'retry-after': '4' } },
      });
      // The socket survives the refusal: the next response on it succeeds.
      const next = session.lane('after');
      next.create({ model: 'gpt-test', input: 'again' });
      expect((await next.finalResponse()).output_text).toBe(answerText('again'));
    } finally {
      session.close();
      rws.close();
    }
  });

  it('completes a generate:false warm-up with no output', async () => {
    const rws = await openResponsesWS();
    try {
      const done = nextResponse(rws);
      rws.send({ type: 'response.create', model: 'gpt-test', input: 'warm up', generate: false });
      const events = await done;
      expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
      const last = events.at(-1);
      expect(last?.type === 'response.completed' ? last.response.output : null).toEqual([]);
    } finally {
      rws.close();
    }
  });
});

describe('WebSocket mode protocol edges (raw socket)', () => {
  const wsURL = (): string => `${server.baseURL.replace('http:', 'ws:')}/responses`;

  async function rawSocket(): Promise<{ socket: WebSocket; next: () => Promise<Record<string, unknown>> }> {
    const socket = new WebSocket(wsURL());
    const queue: Record<string, unknown>[] = [];
    const waiters: ((value: Record<string, unknown>) => void)[] = [];
    socket.on('message', (data) => {
      const parsed: unknown = JSON.parse(String(data));
      if (typeof parsed !== 'object' || parsed === null) return;
      const event = { ...parsed };
      const waiter = waiters.shift();
      if (waiter) waiter(event);
      else queue.push(event);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    return {
      socket,
      next: () => {
        const queued = queue.shift();
        return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
      },
    };
  }

  it('answers bad JSON, unknown event types and steering with typed errors', async () => {
    const { socket, next } = await rawSocket();
    try {
      socket.send('not json');
      expect(await next()).toMatchObject({ type: 'error', status: 400, error: { code: 'invalid_json' } });
      socket.send(JSON.stringify({ type: 'session.update' }));
      expect(await next()).toMatchObject({ type: 'error', status: 400, error: { code: 'unknown_event_type' } });
      socket.send(JSON.stringify({ type: 'response.steer', previous_response_id: 'resp_x', input: 'turn left' }));
      expect(await next()).toMatchObject({
        type: 'response.steer.failed',
        error: { code: 'steering_not_supported' },
        steer: { input: 'turn left', previous_response_id: 'resp_x' },
      });
    } finally {
      socket.close();
    }
  });

  it('rejects upgrades on other paths', async () => {
    const socket = new WebSocket(`${server.baseURL.replace('http:', 'ws:')}/realtime`);
    const outcome = await new Promise<string>((resolve) => {
      socket.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).toContain('404');
  });
});
