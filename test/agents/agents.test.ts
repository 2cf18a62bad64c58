// The agents mapping end to end (docs/conformance.md N, golden 20–26): real gateway, queue, run log, worker
// and ingest processes running test/fixtures/agents-app.ts, the real @openai/agents runner against
// the project's Responses server, on both transports (a request's metadata picks the transport's
// provider pool; the server's request log proves which one answered). Client-side events are
// compared with the reference's recordings; a multi-turn conversation checks the model input of
// its last turn item by item.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerText, functionResultText, IMAGE_CAPTION } from '@switchyard/model-test-server';
import { validateStreamEvent } from '@switchyard/protocol/schema-validation';
import { normalise, respondFrames } from '../../packages/agents-runtime/test/golden.ts';
import { postChatKit, postJson } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
type Transport = 'http' | 'websocket';
let sys: System;
let url: string;

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    imageBytes: 20_000,
    textDeltas: 3,
    env: { SWITCHYARD_APP: fileURLToPath(new URL('../fixtures/agents-app.ts', import.meta.url)), IMAGE_PARTIAL_IMAGES: '3' },
  });
  url = sys.gateways[0]!.url;
});
afterAll(async () => {
  await sys?.stop();
});

const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

/** One streamed request; every event validated against the schemas. */
async function stream(transport: Transport, type: string, params: Json) {
  const before = sys.model.requests.length;
  const s = await postChatKit(url, { type, params, metadata: { transport } });
  expect(s.status).toBe(200);
  await s.done;
  for (const e of s.events) validateStreamEvent(e.data);
  const requests = sys.model.requests.slice(before);
  // The request metadata chose the pool: the model server saw that transport.
  for (const r of requests) expect(r.transport).toBe(transport);
  return { events: s.events.map((e) => e.data as Json), raw: s.events.map((e) => e.raw), requests };
}

async function create(transport: Transport, text: string) {
  const r = await stream(transport, 'threads.create', { input: input(text) });
  return { ...r, threadId: (r.events[0]!.thread as Json).id as string };
}

/** The frames after stream_options: what the agent's respond produced. */
const afterOptions = (raw: string[]) => raw.slice(raw.findIndex((f) => f.includes('"type":"stream_options"')) + 1);

async function stored(threadId: string): Promise<Json[]> {
  const res = await postJson(url, { type: 'items.list', params: { thread_id: threadId, order: 'asc', limit: 100 } });
  return (res.body as { data: Json[] }).data;
}

const kind = (e: Json) =>
  e.type === 'thread.item.updated'
    ? `upd:${(e.update as Json).type as string}`
    : e.item
      ? `${e.type as string}:${(e.item as Json).type as string}`
      : (e.type as string);

describe.each(['http', 'websocket'] as const)('agents over %s', (transport) => {
  it('golden 20, 21, 22, 24, 26: the client sees the reference frames (ids, timestamps and image URLs normalised)', async () => {
    const cases: Array<[string, string]> = [
      ['[flow:golden20] Hi', '20_agent_text_annotations.txt'],
      ['[flow:golden21] Hi', '21_agent_reasoning_workflow.txt'],
      ['[flow:golden22] Hi', '22_agent_reasoning_only_workflow_left_open.txt'],
      ['[flow:image_only] Draw', '24_agent_image_generation_partial_images_3_url_converter.txt'],
      ['[flow:client_tool:get_selection {"max":2}] sel', '26_agent_client_tool_call.txt'],
    ];
    for (const [text, golden] of cases) {
      const { raw, threadId, requests } = await create(transport, text);
      expect(normalise(afterOptions(raw), { imageUrls: true }), golden).toEqual(normalise(respondFrames(golden), { imageUrls: true }));
      // One model call each: reasoning-only and image-only answers stop the run themselves.
      expect(requests, golden).toHaveLength(1);
      if (golden.startsWith('22')) {
        // docs/protocol.md §7.6: the open workflow is stored without a done event.
        const items = await stored(threadId);
        expect(items.map((i) => i.type)).toEqual(['user_message', 'workflow']);
        expect(items[1]).toMatchObject({
          workflow: { type: 'reasoning', tasks: [{ type: 'thought', content: 'Thinking' }], expanded: false },
        });
        expect((items[1]!.workflow as Json).summary).toBeUndefined();
      }
    }
  });

  it('reasoning: several summaries, the first streamed; the workflow ends with its duration when the answer starts', async () => {
    const { events, threadId } = await create(transport, '[flow:reasoning] why?');
    expect(events.slice(3).map(kind)).toEqual([
      'thread.item.added:workflow',
      'upd:workflow.task.added',
      'upd:workflow.task.updated',
      'upd:workflow.task.updated',
      'upd:workflow.task.updated',
      'upd:workflow.task.added',
      'upd:workflow.task.added',
      'thread.item.done:workflow',
      'thread.item.added:assistant_message',
      'upd:assistant_message.content_part.added',
      'upd:assistant_message.content_part.text_delta',
      'upd:assistant_message.content_part.text_delta',
      'upd:assistant_message.content_part.text_delta',
      'upd:assistant_message.content_part.done',
      'thread.item.done:assistant_message',
    ]);
    const workflow = events[10]!.item as Json;
    expect(workflow.workflow).toEqual({
      type: 'reasoning',
      tasks: ['Reading the question', 'Checking what I know', 'Drafting the answer'].map((content) => ({
        status_indicator: 'none',
        type: 'thought',
        content,
      })),
      summary: { duration: expect.any(Number) }, // whole seconds of wall clock: 0 unless the machine stalls
      expanded: false,
    });
    expect((await stored(threadId)).map((i) => i.type)).toEqual(['user_message', 'workflow', 'assistant_message']);
  });

  it('annotations of every kind: dropped ones take no index, part.done repeats none, the final item carries the converted ones', async () => {
    const { events } = await create(transport, '[flow:annotations]');
    const added = events
      .filter((e) => e.type === 'thread.item.updated' && (e.update as Json).type === 'assistant_message.content_part.annotation_added')
      .map((e) => e.update);
    expect(added).toEqual([
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 0,
        annotation: { type: 'annotation', source: { filename: 'container.txt', title: 'container.txt', type: 'file' }, index: 3 },
      },
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 1,
        annotation: { type: 'annotation', source: { title: 'Example', type: 'url', url: 'https://example.com' }, index: 5 },
      },
      {
        type: 'assistant_message.content_part.annotation_added',
        content_index: 0,
        annotation_index: 2,
        annotation: { type: 'annotation', source: { filename: 'file.txt', title: 'file.txt', type: 'file' }, index: 12 },
      },
    ]);
    const partsDone = events
      .filter((e) => e.type === 'thread.item.updated' && (e.update as Json).type === 'assistant_message.content_part.done')
      .map((e) => (e.update as Json).content);
    expect(partsDone).toEqual([
      { annotations: [], text: 'Hello, world!', type: 'output_text' },
      { annotations: [], text: "Can't do that", type: 'output_text' },
    ]);
    const done = events.at(-1)!;
    expect(kind(done)).toBe('thread.item.done:assistant_message');
    expect((done.item as Json).content).toEqual([
      { annotations: added.map((u) => (u as Json).annotation), text: 'Hello, world!', type: 'output_text' },
      { annotations: [], text: "Can't do that", type: 'output_text' },
    ]);
  });

  it('client tool round trip (N22): the open workflow is stored, the tool output continues it and the model answers', async () => {
    const first = await create(transport, '[flow:reasoning] [flow:client_tool:get_selection {"max":1}] pick');
    const kinds = first.events.slice(3).map(kind);
    expect(kinds.at(-1)).toBe('thread.item.done:client_tool_call');
    expect(kinds).not.toContain('thread.item.done:workflow');
    const workflowId = (first.events[3]!.item as Json).id as string;
    const call = first.events.at(-1)!.item as Json;
    expect(call).toMatchObject({ status: 'pending', name: 'get_selection', arguments: { max: 1 } });
    expect(call.id).toMatch(/^fc_/);
    expect((await stored(first.threadId)).map((i) => [i.type, i.id])).toEqual([
      ['user_message', expect.any(String)],
      ['workflow', workflowId],
      ['client_tool_call', call.id],
    ]);

    const second = await stream(transport, 'threads.add_client_tool_output', {
      thread_id: first.threadId,
      result: { selection: ['blue'] },
    });
    expect(second.events.map(kind)).toEqual([
      'stream_options',
      'upd:workflow.task.added',
      'upd:workflow.task.added',
      'upd:workflow.task.added',
      'thread.item.done:workflow',
      'thread.item.added:assistant_message',
      'upd:assistant_message.content_part.added',
      'upd:assistant_message.content_part.text_delta',
      'upd:assistant_message.content_part.text_delta',
      'upd:assistant_message.content_part.text_delta',
      'upd:assistant_message.content_part.done',
      'thread.item.done:assistant_message',
    ]);
    for (const e of second.events.slice(1, 5)) expect(e.item_id ?? (e.item as Json).id).toBe(workflowId);
    expect((second.events[4]!.item as Json).workflow).toMatchObject({ summary: { duration: expect.any(Number) }, expanded: false });
    expect(((second.events.at(-1)!.item as Json).content as Json[])[0]!.text).toBe(
      functionResultText('get_selection', '{"selection":["blue"]}'),
    );
    const sent = JSON.stringify(second.requests[0]!.body.input);
    expect(sent).toContain(`"call_id":"${call.call_id as string}"`);
    expect((await stored(first.threadId)).map((i) => i.type)).toEqual([
      'user_message',
      'workflow',
      'client_tool_call',
      'assistant_message',
    ]);
  });

  it('an output guardrail (golden 25 shape): every produced item is removed, then one stream.error; the user message stays', async () => {
    const { events, threadId } = await create(transport, '[flow:golden25] [guardrail] bad');
    const id = (events[3]!.item as Json).id;
    expect(events.slice(3).map(kind)).toEqual([
      'thread.item.added:assistant_message',
      'upd:assistant_message.content_part.text_delta',
      // The output guardrail runs on the finished answer, so (unlike the recording's input
      // guardrail) the message was done before it is taken back.
      'thread.item.done:assistant_message',
      'thread.item.removed',
      'error',
    ]);
    expect(events.at(-2)).toEqual({ type: 'thread.item.removed', item_id: id });
    expect(events.at(-1)).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
    expect((await stored(threadId)).map((i) => i.type)).toEqual(['user_message']);
  });

  it('a stream dropped before any output is retried unseen', async () => {
    sys.model.queueFault({ kind: 'drop_mid_stream', afterEvents: 2 });
    const { events, requests } = await create(transport, 'hello again');
    expect(requests).toHaveLength(2);
    expect(events.slice(3).filter((e) => e.type === 'thread.item.added')).toHaveLength(1);
    expect(((events.at(-1)!.item as Json).content as Json[])[0]!.text).toBe(answerText('hello again'));
  });

  it('multi-turn (text, image, client tool round trip, widget and its action): the last model input, item by item', async () => {
    const t1 = await create(transport, 'Hello there');
    const threadId = t1.threadId;
    const add = (text: string) => stream(transport, 'threads.add_user_message', { thread_id: threadId, input: input(text) });

    const t2 = await add('draw a cat');
    expect(t2.events.some((e) => kind(e) === 'thread.item.done:generated_image')).toBe(true);

    const t3 = await add('[flow:client_tool:get_selection {"max":2}] what did I select?');
    const call = t3.events.at(-1)!.item as Json;
    expect(call.type).toBe('client_tool_call');
    await stream(transport, 'threads.add_client_tool_output', { thread_id: threadId, result: { selection: 'blue' } });

    const t4 = await add('[flow:function_call:show_card {"title":"Pick one"}] show options');
    const widget = t4.events.find((e) => kind(e) === 'thread.item.done:widget')!.item as Json;
    const action = await stream(transport, 'threads.custom_action', {
      thread_id: threadId,
      item_id: widget.id,
      action: { type: 'card.pick', payload: { choice: 'B' } },
    });
    // The hidden context item is stored but not sent.
    expect(action.events.map(kind)).toEqual(['stream_options', 'thread.item.replaced:widget']);
    expect(action.requests).toHaveLength(0);

    const last = await add('What now?');
    expect(last.requests).toHaveLength(1);
    const sent = last.requests[0]!.body.input as unknown as Json[];
    const picked = JSON.stringify((action.events[1]!.item as Json).widget);
    expect(sent.map(describeInput)).toEqual([
      'user: Hello there',
      `assistant: ${answerText('Hello there')}`,
      'user: draw a cat',
      'user: The following image was generated by the agent. | [image data:image/png;base64]',
      `assistant: ${IMAGE_CAPTION}`,
      'user: [flow:client_tool:get_selection {"max":2}] what did I select?',
      `function_call get_selection {"max":2} ${call.call_id as string}`,
      `function_call_output {"selection":"blue"} ${call.call_id as string}`,
      `assistant: ${functionResultText('get_selection', '{"selection":"blue"}')}`,
      'user: [flow:function_call:show_card {"title":"Pick one"}] show options',
      `user: The following graphical UI widget (id: ${widget.id as string}) was displayed to the user:${picked}`,
      `assistant: ${functionResultText('show_card', 'The card is shown.')}`,
      'user: Hidden context for the agent (not shown to the user):\n<HiddenContext>\nThe user picked B.\n</HiddenContext>',
      'user: What now?',
    ]);
    expect((await stored(threadId)).map((i) => i.type)).toEqual([
      'user_message',
      'assistant_message',
      'user_message',
      'generated_image',
      'assistant_message',
      'user_message',
      'client_tool_call',
      'assistant_message',
      'user_message',
      'widget',
      'assistant_message',
      'user_message',
      'assistant_message',
    ]);
  });
});

/** One model input item as a line: role and texts (images by URL scheme), or a function call / output. */
function describeInput(item: Json): string {
  if (item.type === 'function_call') return `function_call ${item.name as string} ${item.arguments as string} ${item.call_id as string}`;
  if (item.type === 'function_call_output') {
    const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
    return `function_call_output ${output} ${item.call_id as string}`;
  }
  const content = item.content;
  const parts =
    typeof content === 'string'
      ? [content]
      : (content as Json[]).map((p) => (p.type === 'input_image' ? `[image ${String(p.image_url).split(',')[0]}]` : String(p.text)));
  return `${item.role as string}: ${parts.join(' | ')}`;
}
