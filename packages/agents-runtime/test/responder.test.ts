// agentResponder under the real @openai/agents runner against the project's Responses server, on
// both transports: the recorded reference runs (golden 20, 21, 22, 25, 26) come out frame for frame,
// a workflow left open is stored without an event and continued on the next turn (N13, N22), the
// run stops by itself after image-only answers, and a guardrail takes back what the run produced.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Agent,
  imageGenerationTool,
  InputGuardrailTripwireTriggered,
  tool,
  type Model,
  type ModelProvider,
  type RunContext,
} from '@openai/agents';
import { chatKitErrorEventOf } from '@switchyard/errors';
import { startModelTestServer, type ModelTestServer } from '@switchyard/model-test-server';
import type { ThreadItem, WorkflowItem } from '@switchyard/protocol';
import {
  agentResponder,
  createModelProviderPool,
  type AgentChatContext,
  type AgentResponderOptions,
  type ModelProviderPool,
} from '../src/index.ts';
import { normalise, respondFrames, wire } from './golden.ts';
import { chatKitEvents, drain, installWebSocketGlobal, respondArgs, userMessage } from './helpers.ts';

let server: ModelTestServer;
let restoreWebSocket: () => void;
const pools: ModelProviderPool[] = [];

beforeAll(async () => {
  restoreWebSocket = installWebSocketGlobal();
  server = await startModelTestServer({ imageBytes: 4_000, textDeltas: 3 });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await server?.close();
  restoreWebSocket();
});

function pool(transport: 'http' | 'websocket'): ModelProviderPool {
  const p = createModelProviderPool({ apiKey: 'test', baseURL: server.baseURL, transport, concurrency: 2, retry: { initialDelayMs: 5 } });
  pools.push(p);
  return p;
}

const getSelection = tool({
  name: 'get_selection',
  description: "Reads the user's selection in the browser.",
  parameters: z.object({ max: z.number() }),
  async execute(args, ctx?: RunContext<AgentChatContext>) {
    ctx?.context.requestClientToolCall('get_selection', args);
    return 'Waiting for the browser.';
  },
});

const plain = new Agent({ name: 'plain', instructions: 'Answer.', model: 'gpt-test' });
const selector = new Agent<AgentChatContext>({
  name: 'selector',
  instructions: 'Use tools.',
  model: 'gpt-test',
  tools: [getSelection],
  toolUseBehavior: { stopAtToolNames: ['get_selection'] },
});
const artist = new Agent({ name: 'artist', instructions: 'Draw.', model: 'gpt-test', tools: [imageGenerationTool({ partialImages: 3 })] });

function responder(transport: 'http' | 'websocket', agent: AgentResponderOptions['agent'], extra: Partial<AgentResponderOptions> = {}) {
  return agentResponder({ agent, providers: pool(transport), partialImages: 3, imageInput: async () => null, ...extra });
}

describe.each(['http', 'websocket'] as const)('agentResponder over %s', (transport) => {
  it('golden 20: text with a kept and a dropped annotation', async () => {
    const { events, error } = await drain(responder(transport, plain)(respondArgs([userMessage('[flow:golden20] Hi')])));
    expect(error).toBeNull();
    expect(normalise(wire(chatKitEvents(events)))).toEqual(normalise(respondFrames('20_agent_text_annotations.txt')));
  });

  it('golden 21: the reasoning workflow streams its first thought and ends when the answer starts', async () => {
    const { events, error } = await drain(responder(transport, plain)(respondArgs([userMessage('[flow:golden21] Hi')])));
    expect(error).toBeNull();
    expect(normalise(wire(chatKitEvents(events)))).toEqual(normalise(respondFrames('21_agent_reasoning_workflow.txt')));
  });

  it('golden 22: reasoning only stops the run after one call; the open workflow is stored silently (N13)', async () => {
    const stored: ThreadItem[] = [];
    const before = server.requests.length;
    const { events, error } = await drain(
      responder(transport, plain, { persistItem: async (_args, item) => void stored.push(item) })(
        respondArgs([userMessage('[flow:golden22] Hi')]),
      ),
    );
    expect(error).toBeNull();
    expect(server.requests.length - before).toBe(1);
    expect(normalise(wire(chatKitEvents(events)))).toEqual(normalise(respondFrames('22_agent_reasoning_only_workflow_left_open.txt')));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      type: 'workflow',
      workflow: { type: 'reasoning', tasks: [{ type: 'thought', content: 'Thinking' }], expanded: false },
    });
    expect((stored[0] as WorkflowItem).workflow.summary).toBeUndefined();
  });

  it('without a persistItem hook the open workflow goes out as thread.item.done instead', async () => {
    const { events } = await drain(responder(transport, plain)(respondArgs([userMessage('[flow:golden22] Hi')])));
    const last = events.at(-1);
    expect(last).toMatchObject({ type: 'thread.item.done', item: { type: 'workflow', workflow: { tasks: [{ content: 'Thinking' }] } } });
  });

  it('golden 26: a client tool call ends the turn with the function call ids', async () => {
    const before = server.requests.length;
    const { events, error } = await drain(
      responder(transport, selector)(respondArgs([userMessage('[flow:client_tool:get_selection {"max":2}] sel')])),
    );
    expect(error).toBeNull();
    expect(server.requests.length - before).toBe(1);
    expect(normalise(wire(chatKitEvents(events)))).toEqual(normalise(respondFrames('26_agent_client_tool_call.txt')));
    expect(events[0]).toMatchObject({
      item: { id: expect.stringMatching(/^fc_/) as unknown, call_id: expect.stringMatching(/^call_/) as unknown },
    });
  });

  it('N22: after the browser answered, the next run continues the workflow the tool call left open', async () => {
    const stored: ThreadItem[] = [];
    const user = userMessage('[flow:reasoning] [flow:client_tool:get_selection {"max":1}] pick');
    const first = await drain(
      responder(transport, selector, { persistItem: async (_a, item) => void stored.push(item) })(respondArgs([user])),
    );
    expect(first.error).toBeNull();
    const call = first.events.at(-1);
    if (call?.type !== 'thread.item.done' || call.item.type !== 'client_tool_call') throw new Error('no client tool call');
    const workflow = stored[0];
    if (workflow?.type !== 'workflow') throw new Error('the open workflow was not stored');
    expect(workflow.workflow.tasks).toHaveLength(3);

    const answered: ThreadItem = { ...call.item, status: 'completed', output: { text: 'the selection' } };
    const second = await drain(responder(transport, selector)(respondArgs([user, workflow, answered], { input: null })));
    expect(second.error).toBeNull();
    const ev = chatKitEvents(second.events);
    // The continued workflow has tasks: the new summaries are added whole, then the answer ends it.
    expect(ev.slice(0, 4).map((e) => (e.type === 'thread.item.updated' ? [e.item_id, e.update.type] : [e.type]))).toEqual([
      [workflow.id, 'workflow.task.added'],
      [workflow.id, 'workflow.task.added'],
      [workflow.id, 'workflow.task.added'],
      ['thread.item.done'],
    ]);
    expect(ev[3]).toMatchObject({
      item: { id: workflow.id, workflow: { summary: { duration: expect.any(Number) as unknown }, expanded: false } },
    });
    expect((ev[3] as { item: WorkflowItem }).item.workflow.tasks).toHaveLength(6);
    const done = ev.at(-1);
    expect(done).toMatchObject({ type: 'thread.item.done', item: { type: 'assistant_message' } });
    expect(JSON.stringify(done)).toContain('The get_selection tool returned: {\\"text\\":\\"the selection\\"}');
  });

  it('an image-only answer ends the run after one model call (frames for the ingest path)', async () => {
    const before = server.requests.length;
    const { events, error } = await drain(responder(transport, artist)(respondArgs([userMessage('[flow:image_only] a boat')])));
    expect(error).toBeNull();
    expect(server.requests.length - before).toBe(1);
    expect(events.map((e) => (e.type === 'switchyard.image_frame' ? `frame:${e.partialIndex}` : e.type))).toEqual([
      'thread.item.added',
      'frame:0',
      'frame:1',
      'frame:2',
      'frame:null',
    ]);
  });
});

/** A provider whose streams pause after the first text delta, so a parallel guardrail decides there. */
function pausingAfterFirstDelta(inner: ModelProviderPool, onDelta: () => void): ModelProviderPool {
  const wrap = (model: Model): Model => ({
    getResponse: (request) => model.getResponse(request),
    async *getStreamedResponse(request) {
      for await (const ev of model.getStreamedResponse(request)) {
        yield ev;
        const raw: unknown = ev.type === 'model' ? ev.event : null;
        if (typeof raw === 'object' && raw !== null && Reflect.get(raw, 'type') === 'response.output_text.delta') {
          onDelta();
          await sleep(100);
        }
      }
    },
  });
  return {
    transport: inner.transport,
    background: inner.background,
    cancelResponse: (id) => inner.cancelResponse(id),
    close: () => inner.close(),
    async lease() {
      const lease = await inner.lease();
      const provider: ModelProvider = { getModel: async (name) => wrap(await lease.provider.getModel(name)) };
      return { provider, release: () => lease.release() };
    },
  };
}

describe('guardrail tripwires (docs/protocol.md §7.7)', () => {
  it('golden 25: the partial message is removed, the tripwire reaches the pipeline as stream.error', async () => {
    let seen: () => void = () => undefined;
    const deltaSeen = new Promise<void>((resolve) => (seen = resolve));
    const guarded = new Agent({
      name: 'guarded',
      instructions: 'Answer.',
      model: 'gpt-test',
      inputGuardrails: [
        { name: 'no_bad_words', execute: async () => (await deltaSeen, { tripwireTriggered: true, outputInfo: { reason: 'bad' } }) },
      ],
    });
    const respond = agentResponder({
      agent: guarded,
      providers: pausingAfterFirstDelta(pool('http'), () => seen()),
      partialImages: 0,
      imageInput: async () => null,
    });
    const { events, error } = await drain(respond(respondArgs([userMessage('[flow:golden25] bad')])));
    expect(error).toBeInstanceOf(InputGuardrailTripwireTriggered);
    const frames = [...wire(chatKitEvents(events)), JSON.stringify(chatKitErrorEventOf(error))];
    expect(normalise(frames)).toEqual(normalise(respondFrames('25_agent_guardrail_tripwire.txt')));
  });
});
