// The `[flow:…]` scripted answers as the real clients see them: reasoning summaries, every
// annotation kind, function calls answered once their output comes back (under the Agents runner,
// on both transports), image-only responses, and markers that cannot be followed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { Agent, imageGenerationTool, isOpenAIResponsesRawModelStreamEvent, tool } from '@openai/agents';
import { flowPlan, flowProblemText, functionResultText, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { agentsRunner, client, installWebSocketGlobal } from './helpers.ts';

let server: ModelTestServer;
let restoreWebSocket: () => void;

beforeAll(async () => {
  restoreWebSocket = installWebSocketGlobal();
  server = await startModelTestServer({ imageBytes: 5_000, textDeltas: 4 });
});
afterAll(async () => {
  await server.close();
  restoreWebSocket();
});

async function stream(
  input: string,
  extra: { tools?: Array<{ type: 'image_generation'; partial_images: number }> } = {},
): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  const s = await client(server).responses.create({ model: 'gpt-test', input, stream: true, ...extra });
  for await (const e of s) events.push(e);
  return events;
}

describe('flow markers', () => {
  it('read reasoning, function calls with JSON arguments (and the client_tool alias), and report what they cannot follow', () => {
    expect(flowPlan('[flow:reasoning] [flow:function_call:get_selection {"max":2,"nested":{"a":[1]}}] pick')).toEqual({
      reasoning: true,
      body: { kind: 'function_call', name: 'get_selection', arguments: '{"max":2,"nested":{"a":[1]}}' },
      problems: [],
    });
    expect(flowPlan('[flow:client_tool:get_selection]').body).toEqual({ kind: 'function_call', name: 'get_selection', arguments: '{}' });
    expect(flowPlan('[FLOW:Golden21]').body).toEqual({ kind: 'script', name: 'golden21' });
    expect(flowPlan('no markers')).toEqual({ reasoning: false, body: null, problems: [] });
    expect(flowPlan('[flow:nope] [flow:function_call] [flow:function_call:x {"a":}]').problems).toEqual([
      '[flow:nope] is not a known flow',
      '[flow:function_call] names no tool',
      '[flow:function_call:x {"a":}] has arguments that are not a JSON object',
    ]);
  });
});

describe('scripted flows over HTTP with the openai client', () => {
  it('[flow:reasoning] streams a reasoning item with several summary parts in deltas before the answer', async () => {
    const events = await stream('[flow:reasoning] why?');
    const reasoning = events.filter((e) => e.type.startsWith('response.reasoning_summary'));
    expect(reasoning.map((e) => e.type)).toEqual(
      [0, 1, 2].flatMap((i) => [
        'response.reasoning_summary_part.added',
        ...Array.from({ length: i === 1 ? 4 : 3 }, () => 'response.reasoning_summary_text.delta'),
        'response.reasoning_summary_text.done',
        'response.reasoning_summary_part.done',
      ]),
    );
    const done = reasoning.flatMap((e) => (e.type === 'response.reasoning_summary_text.done' ? [[e.summary_index, e.text]] : []));
    expect(done).toEqual([
      [0, 'Reading the question'],
      [1, 'Checking what I know'],
      [2, 'Drafting the answer'],
    ]);
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    expect(completed.response.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    const first = completed.response.output[0];
    expect(first?.type === 'reasoning' && first.summary.map((s) => s.text)).toEqual([
      'Reading the question',
      'Checking what I know',
      'Drafting the answer',
    ]);
  });

  it('[flow:annotations] adds every annotation kind after the deltas, indexed per part, and keeps them on the final item', async () => {
    const events = await stream('[flow:annotations]');
    const added = events.flatMap((e) => (e.type === 'response.output_text.annotation.added' ? [e] : []));
    expect(added.map((e) => [e.content_index, e.annotation_index, e.annotation?.type])).toEqual([
      [0, 0, 'file_citation'],
      [0, 1, 'container_file_citation'],
      [0, 2, 'url_citation'],
      [0, 3, 'file_path'],
      [0, 4, 'file_citation'],
    ]);
    expect(added[0]?.annotation).toEqual({ type: 'file_citation', file_id: 'file_empty', filename: '', index: 1 });
    const itemDone = events.find((e) => e.type === 'response.output_item.done');
    if (itemDone?.type !== 'response.output_item.done' || itemDone.item.type !== 'message') throw new Error('no message done');
    expect(itemDone.item.content.map((p) => (p.type === 'output_text' ? [p.text, p.annotations.length] : []))).toEqual([
      ['Hello, world!', 5],
      ["Can't do that", 0],
    ]);
  });

  it('[flow:golden21] leaves out the part events of the answer, as the reference recording does', async () => {
    const types = (await stream('[flow:golden21]')).map((e) => e.type);
    const answer = types.slice(types.lastIndexOf('response.output_item.added'));
    expect(answer).toEqual(['response.output_item.added', 'response.output_text.delta', 'response.output_item.done', 'response.completed']);
  });

  it('[flow:image_only] answers with an image_generation_call and no message', async () => {
    const events = await stream('[flow:image_only] a cat', { tools: [{ type: 'image_generation', partial_images: 3 }] });
    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    expect(completed.response.output.map((o) => o.type)).toEqual(['image_generation_call']);
    expect(events.filter((e) => e.type === 'response.image_generation_call.partial_image')).toHaveLength(3);
  });

  it('answers a marker it cannot follow in words instead of guessing', async () => {
    const noTool = await client(server).responses.create({ model: 'gpt-test', input: '[flow:function_call:missing]' });
    expect(noTool.output_text).toBe(flowProblemText(['no function tool named "missing" was offered']));
    const unknown = await client(server).responses.create({ model: 'gpt-test', input: '[flow:dance]' });
    expect(unknown.output_text).toBe(flowProblemText(['[flow:dance] is not a known flow']));
  });
});

describe.each([
  { transport: 'http', websocket: false },
  { transport: 'websocket', websocket: true },
])('function calls under @openai/agents over $transport', ({ websocket }) => {
  it('the model calls the named tool with the JSON arguments, then answers with its output', async () => {
    const calls: unknown[] = [];
    const lookup = tool({
      name: 'lookup',
      description: 'Looks a word up.',
      parameters: {
        type: 'object',
        properties: { word: { type: 'string' }, max: { type: 'number' } },
        required: ['word', 'max'],
        additionalProperties: false,
      },
      strict: true,
      execute: async (args) => {
        calls.push(args);
        const word: unknown = typeof args === 'object' && args !== null ? Reflect.get(args, 'word') : undefined;
        return `definition of ${String(word)}`;
      },
    });
    const agent = new Agent({ name: 'caller', instructions: 'Use tools.', model: 'gpt-test', tools: [lookup] });
    const { runner, provider } = agentsRunner(server, websocket);
    try {
      const before = server.requests.length;
      const result = await runner.run(agent, '[flow:reasoning] [flow:function_call:lookup {"word":"flow","max":2}] define it');
      expect(calls).toEqual([{ word: 'flow', max: 2 }]);
      expect(result.finalOutput).toBe(functionResultText('lookup', 'definition of flow'));
      const recorded = server.requests.slice(before);
      expect(recorded).toHaveLength(2);
      const second = JSON.stringify(recorded[1]?.body.input);
      expect(second).toContain('"type":"function_call_output"');
      expect(second).toContain('definition of flow');
    } finally {
      await provider.close();
    }
  });

  it('[flow:image_only] under the runner: one response, image only (the app must stop the run itself)', async () => {
    const agent = new Agent({
      name: 'artist',
      instructions: 'Draw.',
      model: 'gpt-test',
      tools: [imageGenerationTool({ partialImages: 1 })],
    });
    const { runner, provider } = agentsRunner(server, websocket);
    try {
      const result = await runner.run(agent, '[flow:image_only] a boat', { stream: true, maxTurns: 2 });
      const completed: string[][] = [];
      const failure = await (async () => {
        try {
          for await (const ev of result) {
            if (isOpenAIResponsesRawModelStreamEvent(ev) && ev.data.event.type === 'response.completed') {
              completed.push(ev.data.event.response.output.map((o) => o.type));
            }
          }
          await result.completed;
          return null;
        } catch (err) {
          return err;
        }
      })();
      // Left alone, the runner asks again every turn until its limit (PITFALLS).
      expect(completed[0]).toEqual(['image_generation_call']);
      expect(completed.length).toBe(2);
      expect(String(failure ?? result.error)).toMatch(/max turns/i);
    } finally {
      await provider.close();
    }
  });
});
