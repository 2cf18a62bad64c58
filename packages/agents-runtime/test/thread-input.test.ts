// Stored items → model input against the reference's ThreadItemConverter (docs/conformance.md N′):
// quoted text for the newest message only, tags through the app hook, widgets, tasks and workflows,
// hidden context, generated images, client tool calls (pending ones skipped) and overridden conversions.
import { describe, expect, it } from 'vitest';
import type { AgentInputItem } from '@openai/agents';
import type { ThreadItem, UserMessageItem } from '@switchyard/protocol';
import { GENERATED_IMAGE_PREFACE, TAG_CONTEXT_PREFACE, threadItemsToAgentInput } from '../src/index.ts';

const at = '2026-11-22T01:33:06.000Z';
const base = { thread_id: 'thr_1', created_at: at };
const user = (id: string, text: string, extra: Partial<UserMessageItem> = {}): UserMessageItem => ({
  ...base,
  id,
  type: 'user_message',
  content: [{ type: 'input_text', text }],
  attachments: [],
  inference_options: {},
  ...extra,
});
const noImages = { imageInput: async () => null };
const textOf = (t: string): AgentInputItem => ({ role: 'user', type: 'message', content: [{ type: 'input_text', text: t }] });

describe("N′ model input (the reference's ThreadItemConverter)", () => {
  it('quoted text becomes an extra message, for the newest item only', async () => {
    const older = user('u1', 'first', { quoted_text: 'old quote' });
    const newest = user('u2', 'second', { quoted_text: 'the quote' });
    expect(await threadItemsToAgentInput([older, newest], noImages)).toEqual([
      textOf('first'),
      textOf('second'),
      textOf('The user is referring to this in particular: \nthe quote'),
    ]);
  });

  it('mixed history: users, an assistant with two parts, a widget as its JSON', async () => {
    const items: ThreadItem[] = [
      user('u1', 'hi'),
      user('u2', 'there'),
      {
        ...base,
        id: 'a1',
        type: 'assistant_message',
        content: [
          { type: 'output_text', text: 'one', annotations: [] },
          { type: 'output_text', text: 'two', annotations: [] },
        ],
      },
      { ...base, id: 'w1', type: 'widget', widget: { type: 'Card', children: [{ type: 'Text', value: 'x' }] } },
    ];
    expect(await threadItemsToAgentInput(items, noImages)).toEqual([
      textOf('hi'),
      textOf('there'),
      {
        role: 'assistant',
        type: 'message',
        status: 'completed',
        content: [
          { type: 'output_text', text: 'one' },
          { type: 'output_text', text: 'two' },
        ],
      },
      textOf(
        'The following graphical UI widget (id: w1) was displayed to the user:{"type":"Card","children":[{"type":"Text","value":"x"}]}',
      ),
    ]);
  });

  it('tags render as @text; the tag hook adds one context message with each distinct tag', async () => {
    const tag = { type: 'input_tag' as const, id: 't1', text: 'Ada', data: {}, interactive: false };
    const item = user('u1', 'ask ', { content: [{ type: 'input_text', text: 'ask ' }, tag, { type: 'input_text', text: ' and ' }, tag] });
    const withHook = await threadItemsToAgentInput([item], {
      ...noImages,
      tagInput: async (t) => ({ type: 'input_text', text: `${t.text} is a person` }),
    });
    expect(withHook).toEqual([
      textOf('ask @Ada and @Ada'),
      {
        role: 'user',
        type: 'message',
        content: [
          { type: 'input_text', text: TAG_CONTEXT_PREFACE },
          { type: 'input_text', text: 'Ada is a person' },
        ],
      },
    ]);
    expect(await threadItemsToAgentInput([item], noImages)).toEqual([textOf('ask @Ada and @Ada')]);
  });

  it('a generated image comes back with its preface and URL; without an image, nothing', async () => {
    const image: ThreadItem = { ...base, id: 'g1', type: 'generated_image', image: { id: 'ig_1', url: 'https://x/y.png' } };
    const input = await threadItemsToAgentInput([image, { ...base, id: 'g2', type: 'generated_image' }], {
      imageInput: async (i) => `data:image/png;base64,${i.id}`,
    });
    expect(input).toEqual([
      {
        role: 'user',
        type: 'message',
        content: [
          { type: 'input_text', text: GENERATED_IMAGE_PREFACE },
          { type: 'input_image', image: 'data:image/png;base64,g1', detail: 'auto' },
        ],
      },
    ]);
  });

  it('hidden context (string or not) is wrapped; custom tasks are reported; thoughts are not', async () => {
    const items: ThreadItem[] = [
      { ...base, id: 'h1', type: 'hidden_context_item', content: 'secret' },
      { ...base, id: 'h2', type: 'sdk_hidden_context', content: 'cancelled' },
      { ...base, id: 'h3', type: 'hidden_context_item', content: { a: 1 } },
      { ...base, id: 't1', type: 'task', task: { type: 'custom', title: 'Fetched', content: 'the data', status_indicator: 'complete' } },
      {
        ...base,
        id: 'wf',
        type: 'workflow',
        workflow: {
          type: 'reasoning',
          expanded: false,
          tasks: [
            { type: 'thought', content: 'hm', status_indicator: 'none' },
            { type: 'custom', title: 'Saved', status_indicator: 'none' },
          ],
        },
      },
    ];
    const hidden = (t: string) => textOf(`Hidden context for the agent (not shown to the user):\n<HiddenContext>\n${t}\n</HiddenContext>`);
    const task = (t: string) => textOf(`A message was displayed to the user that the following task was performed:\n<Task>\n${t}\n</Task>`);
    expect(await threadItemsToAgentInput(items, noImages)).toEqual([
      hidden('secret'),
      hidden('cancelled'),
      hidden('{"a":1}'),
      task('Fetched: the data'),
      task('Saved'),
    ]);
  });

  it('a completed client tool call is a function call and its output; a pending one is skipped', async () => {
    const call = { ...base, type: 'client_tool_call' as const, call_id: 'call_1', name: 'get_selection', arguments: { max: 2 } };
    const input = await threadItemsToAgentInput(
      [
        { ...call, id: 'fc_1', status: 'completed', output: { ids: [1] } },
        { ...call, id: 'fc_2', status: 'pending' },
      ],
      noImages,
    );
    expect(input).toEqual([
      { type: 'function_call', callId: 'call_1', name: 'get_selection', arguments: '{"max":2}', status: 'completed' },
      {
        type: 'function_call_result',
        callId: 'call_1',
        name: 'get_selection',
        status: 'completed',
        output: { type: 'text', text: '{"ids":[1]}' },
      },
    ]);
  });

  it('an app replaces the conversion of one item type', async () => {
    const input = await threadItemsToAgentInput(
      [user('u1', 'hi'), { ...base, id: 'w1', type: 'widget', widget: { type: 'Card', children: [] } }],
      {
        ...noImages,
        conversions: { widget: (item, { isLastItem }) => [textOf(`widget ${item.id} last=${isLastItem}`)] },
      },
    );
    expect(input).toEqual([textOf('hi'), textOf('widget w1 last=true')]);
  });
});
