// Background mode (docs/resume.md) under the real @openai/agents runner against the project's
// Responses server: responses are created in background mode, each model call yields its resume
// point, a response continued from one replays the same events under the same item ids, a cancelled
// or failed run stops its responses upstream (a handed-off one does not), and a response that
// cannot be continued (gone, stuck in `queued`) ends in ResumeUnavailable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, tool } from '@openai/agents';
import { z } from 'zod';
import { ResumeUnavailable, type ModelResponseEvent, type ResponseEvent } from '@switchyard/app-api';
import { startModelTestServer, type ModelTestServer } from '@switchyard/model-test-server';
import { agentResponder, createModelProviderPool, type ModelProviderPool } from '../src/index.ts';
import { drain, respondArgs, userMessage } from './helpers.ts';

let server: ModelTestServer;
let pool: ModelProviderPool;

beforeAll(async () => {
  server = await startModelTestServer({ imageBytes: 4_000, textDeltas: 8, deltaDelayMs: 5 });
  pool = createModelProviderPool({
    apiKey: 'test',
    baseURL: server.baseURL,
    transport: 'http',
    concurrency: 2,
    background: { queuedWaitMs: 300, pollMs: 50 },
    retry: { initialDelayMs: 5 },
  });
});
afterAll(async () => {
  await pool?.close();
  await server?.close();
});

const plain = new Agent({ name: 'plain', instructions: 'Answer.', model: 'gpt-test' });
function responder() {
  return agentResponder({ agent: plain, providers: pool, partialImages: 2, imageInput: async () => null });
}

function args(text: string, extra: Record<string, unknown> = {}) {
  const a = respondArgs([userMessage(text)], extra.signal ? { signal: extra.signal as AbortSignal } : {});
  return Object.assign(a, { context: { ...a.context, runId: 'run_bg_test' } }, extra);
}

const modelResponses = (events: ResponseEvent[]) => events.filter((e): e is ModelResponseEvent => e.type === 'switchyard.model_response');
/** Events after the last model_response naming a response, with times left out. */
function afterResponse(events: ResponseEvent[]): unknown[] {
  const at = events.findLastIndex((e) => e.type === 'switchyard.model_response' && e.responseId !== null);
  return JSON.parse(JSON.stringify(events.slice(at + 1)).replace(/"created_at":"[^"]+"/g, '"created_at":"t"')) as unknown[];
}

const requestsFor = (id: string, kind: 'create' | 'retrieve' | 'cancel') => server.requests.filter((r) => r.kind === kind && r.id === id);

describe('background mode', () => {
  it('creates responses with background and store, and yields a resume point as each call begins and when its response shows up', async () => {
    const { events, error } = await drain(responder()(args('hello')));
    expect(error).toBeNull();
    const points = modelResponses(events);
    // The first call may begin before the runner hands back its result: then only the response's point.
    expect(points.at(-1)!.responseId).not.toBeNull();
    expect(points.slice(0, -1).every((p) => p.responseId === null)).toBe(true);
    const id = points.at(-1)!.responseId!;
    const create = requestsFor(id, 'create')[0]!;
    expect(create.body).toMatchObject({ background: true, store: true, stream: true });
    expect(JSON.parse(points.at(-1)!.state)).toHaveProperty('runState');
  });

  it('a response continued from its resume point replays the same events under the same item ids', async () => {
    const first = await drain(responder()(args('[flow:reasoning] think then answer')));
    expect(first.error).toBeNull();
    const point = modelResponses(first.events).at(-1)!;
    const again = await drain(
      responder()(args('[flow:reasoning] think then answer', { resume: { responseId: point.responseId, state: point.state } })),
    );
    expect(again.error).toBeNull();
    expect(afterResponse(again.events)).toEqual(afterResponse(first.events));
    // Streamed again, not created again.
    expect(requestsFor(point.responseId!, 'retrieve').some((r) => r.retrieval?.stream)).toBe(true);
    expect(server.requests.filter((r) => r.kind === 'create' && JSON.stringify(r.body).includes('think then answer'))).toHaveLength(1);
  });

  it('a cancelled run stops its response upstream; a handed-off one leaves it running', async () => {
    for (const abandoned of [false, true]) {
      server.queueFault({ kind: 'stall_mid_stream', afterEvents: 6 });
      const controller = new AbortController();
      const a = args(`hold on ${abandoned}`, { signal: controller.signal, ...(abandoned ? { abandoned: () => true } : {}) });
      const events: ResponseEvent[] = [];
      const run = (async () => {
        try {
          for await (const e of responder()(a)) {
            events.push(e);
            if (e.type === 'thread.item.updated') controller.abort(new Error('stop'));
          }
        } catch {
          // aborted
        }
      })();
      await run;
      const id = modelResponses(events).at(-1)!.responseId!;
      expect(requestsFor(id, 'cancel')).toHaveLength(abandoned ? 0 : 1);
      const status = ((await (await fetch(`${server.baseURL}/responses/${id}`)).json()) as { status: string }).status;
      expect(status).toBe(abandoned ? 'in_progress' : 'cancelled');
      if (abandoned) await fetch(`${server.baseURL}/responses/${id}/cancel`, { method: 'POST' });
    }
  });

  it('a run cancelled while it continues a response stops that response upstream, even before its stream started again', async () => {
    const first = await drain(responder()(args('continue me')));
    const state = modelResponses(first.events).at(-1)!.state;
    server.queueFault({ kind: 'stall_mid_stream', afterEvents: 5 });
    const res = await fetch(`${server.baseURL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', input: 'still running', background: true, store: true, stream: false }),
    });
    const running = ((await res.json()) as { id: string }).id;
    const controller = new AbortController();
    controller.abort(new Error('user cancel'));
    await drain(responder()(args('continue me', { signal: controller.signal, resume: { responseId: running, state } })));
    expect(requestsFor(running, 'cancel')).toHaveLength(1);
    const status = ((await (await fetch(`${server.baseURL}/responses/${running}`)).json()) as { status: string }).status;
    expect(status).toBe('cancelled');
  });

  it('a stream broken right at response.created (left queued) is cancelled and the call made again', async () => {
    server.queueFault({ kind: 'stuck_queued' });
    const before = server.requests.length;
    const { error } = await drain(responder()(args('stuck once')));
    expect(error).toBeNull();
    const creates = server.requests.slice(before).filter((r) => r.kind === 'create');
    expect(creates).toHaveLength(2);
    // The cancel goes out without waiting: give it a moment to land.
    for (let i = 0; i < 50 && requestsFor(creates[0]!.id, 'cancel').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(requestsFor(creates[0]!.id, 'cancel')).toHaveLength(1);
  });

  it('continuing a response that is gone, or that never leaves queued, ends in ResumeUnavailable (the stuck one cancelled)', async () => {
    const first = await drain(responder()(args('a resumable answer')));
    const state = modelResponses(first.events).at(-1)!.state;
    const gone = await drain(responder()(args('a resumable answer', { resume: { responseId: 'resp_unknown', state } })));
    expect(gone.error).toBeInstanceOf(ResumeUnavailable);
    expect((gone.error as ResumeUnavailable).reason).toMatch(/gone/);
    expect(gone.events.filter((e) => e.type !== 'switchyard.model_response')).toEqual([]);

    // A background response stuck in `queued`, made directly.
    server.queueFault({ kind: 'stuck_queued' });
    const res = await fetch(`${server.baseURL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', input: 'stuck', background: true, store: true, stream: false }),
    });
    const stuck = ((await res.json()) as { id: string }).id;
    const queued = await drain(responder()(args('a resumable answer', { resume: { responseId: stuck, state } })));
    expect(queued.error).toBeInstanceOf(ResumeUnavailable);
    expect((queued.error as ResumeUnavailable).reason).toMatch(/queued/);
    expect(requestsFor(stuck, 'cancel')).toHaveLength(1);
  });

  it('a tool call is refused to an attempt that no longer owns its run (a frozen worker woken after a take-over)', async () => {
    let runs = 0;
    const counted = tool({
      name: 'count_me',
      description: 'Counts.',
      parameters: z.object({}),
      async execute() {
        runs++;
        return 'counted';
      },
    });
    const withTool = new Agent({ name: 'tooled', instructions: 'Use the tool.', model: 'gpt-test', tools: [counted] });
    const r = agentResponder({ agent: withTool, providers: pool, partialImages: 2, imageInput: async () => null });
    const prompt = 'go [flow:function_call:count_me {}]';
    const lost = await drain(r(args(prompt, { owns: async () => false })));
    expect(lost.error).not.toBeNull();
    expect(runs).toBe(0);
    const owned = await drain(r(args(prompt, { owns: async () => true })));
    expect(owned.error).toBeNull();
    expect(runs).toBe(1);
  });

  it('a resume point given to a responder not in background mode is refused, not silently regenerated', async () => {
    const first = await drain(responder()(args('one more')));
    const point = modelResponses(first.events).at(-1)!;
    const http = createModelProviderPool({ apiKey: 'test', baseURL: server.baseURL, transport: 'http', concurrency: 1 });
    try {
      const r = agentResponder({ agent: plain, providers: http, partialImages: 2, imageInput: async () => null });
      const out = await drain(r(args('one more', { resume: { responseId: point.responseId, state: point.state } })));
      expect(out.error).toBeInstanceOf(ResumeUnavailable);
    } finally {
      await http.close();
    }
  });
});
