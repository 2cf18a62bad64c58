// One of every item, update and event kind, built the way Switchyard builds them (ISO timestamps with Z,
// generated ids): the fixtures for "everything we produce validates against the reference schemas".
import type { AssistantMessageContent, ThreadItem, ThreadItemUpdate, ThreadStreamEvent } from '../src/index.ts';

const at = '2026-05-19T10:00:00.123Z';
const base = { thread_id: 'thr_0a1b2c3d4e5f6071', created_at: at };

export function sampleItems(): ThreadItem[] {
  return [
    {
      id: 'msg_1',
      ...base,
      type: 'user_message',
      content: [
        { type: 'input_text', text: 'Hello' },
        { type: 'input_tag', id: 'tag', text: 'Doc', data: { n: 1 }, group: 'files', interactive: true },
      ],
      attachments: [
        {
          id: 'atc_1',
          name: 'n.txt',
          mime_type: 'text/plain',
          type: 'file',
          upload_descriptor: { url: 'https://u.example/1', method: 'PUT', headers: {} },
        },
        {
          id: 'atc_2',
          name: 'c.png',
          mime_type: 'image/png',
          type: 'image',
          preview_url: 'data:image/png;base64,AA==',
          thread_id: base.thread_id,
          metadata: { s: 1 },
        },
      ],
      quoted_text: 'quoted',
      inference_options: { tool_choice: { id: 'web' }, model: 'gpt-x' },
    },
    {
      id: 'msg_2',
      ...base,
      type: 'assistant_message',
      content: [
        {
          annotations: [
            { type: 'annotation', source: { type: 'url', url: 'https://example.com', title: 'Example', attribution: 'ex' }, index: 3 },
            { type: 'annotation', source: { type: 'file', filename: 'a.pdf', title: 'a.pdf' } },
            { type: 'annotation', source: { type: 'entity', id: 'e', title: 'E', icon: 'user', interactive: true, data: {} }, index: 0 },
          ],
          text: 'Hello',
          type: 'output_text',
        },
      ],
    },
    { id: 'tc_1', ...base, type: 'client_tool_call', status: 'pending', call_id: 'call_1', name: 'get_selection', arguments: { max: 3 } },
    {
      id: 'tc_2',
      ...base,
      type: 'client_tool_call',
      status: 'completed',
      call_id: 'call_2',
      name: 'n',
      arguments: {},
      output: [1, 'a', null],
    },
    {
      id: 'msg_3',
      ...base,
      type: 'widget',
      widget: { type: 'Card', children: [{ type: 'Text', id: 't', value: 'Hi', streaming: false }] },
      copy_text: 'Hi',
    },
    { id: 'msg_4', ...base, type: 'widget', widget: { type: 'Basic', children: [{ type: 'MyTemplateThing', custom: { a: 1 } }] } },
    { id: 'msg_5', ...base, type: 'generated_image' },
    { id: 'msg_6', ...base, type: 'generated_image', image: { id: 'ig_1', url: 'https://blob.example.com/ig_1.png' } },
    {
      id: 'si_1',
      ...base,
      type: 'structured_input',
      status: 'answered',
      inputs: [
        {
          id: 'c',
          question: 'Color?',
          type: 'multiple_choice',
          options: [{ value: 'red' }],
          multiple: false,
          answer: { values: ['red'], skipped: false },
        },
        { id: 'n', question: 'Notes?', type: 'freeform', description: 'optional', answer: { values: [], skipped: true } },
      ],
    },
    {
      id: 'wf_1',
      ...base,
      type: 'workflow',
      workflow: {
        type: 'custom',
        tasks: [
          { status_indicator: 'complete', type: 'custom', title: 'Step', icon: 'check', content: 'done' },
          {
            status_indicator: 'loading',
            type: 'web_search',
            title_query: 'q',
            queries: ['q'],
            sources: [{ type: 'url', url: 'https://e.com', title: 'E' }],
          },
          { status_indicator: 'none', type: 'thought', content: 'hmm' },
          { status_indicator: 'none', type: 'file', sources: [{ type: 'file', filename: 'f', title: 'f' }] },
          { status_indicator: 'none', type: 'image', title: 'img' },
        ],
        summary: { title: 'Done', icon: 'check' },
        expanded: true,
      },
    },
    { id: 'wf_2', ...base, type: 'workflow', workflow: { type: 'reasoning', tasks: [], summary: { duration: 3 }, expanded: false } },
    {
      id: 'tsk_1',
      ...base,
      type: 'task',
      task: { status_indicator: 'complete', type: 'custom', title: 'Looked up order', icon: 'search' },
    },
    { id: 'hc_1', ...base, type: 'hidden_context_item', content: { clicked: true } },
    { id: 'shcx_1', ...base, type: 'sdk_hidden_context', content: 'The user cancelled the stream. Stop responding to the prior request.' },
    { id: 'eot_1', ...base, type: 'end_of_turn' },
  ];
}

export function sampleUpdates(): ThreadItemUpdate[] {
  const part: AssistantMessageContent = { annotations: [], text: '', type: 'output_text' };
  return [
    { type: 'assistant_message.content_part.added', content_index: 0, content: part },
    { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Hel' },
    {
      type: 'assistant_message.content_part.annotation_added',
      content_index: 0,
      annotation_index: 0,
      annotation: { type: 'annotation', source: { type: 'url', url: 'https://example.com', title: 'Example' }, index: 3 },
    },
    { type: 'assistant_message.content_part.done', content_index: 0, content: { ...part, text: 'Hello' } },
    { type: 'widget.streaming_text.value_delta', component_id: 't', delta: 'lo', done: false },
    { type: 'widget.component.updated', component_id: 't', component: { type: 'Text', id: 't', value: 'New' } },
    {
      type: 'widget.root.updated',
      widget: { type: 'ListView', children: [{ type: 'ListViewItem', children: [{ type: 'Text', value: 'x' }] }] },
    },
    { type: 'workflow.task.added', task_index: 0, task: { status_indicator: 'loading', type: 'custom', title: 'Step 1' } },
    { type: 'workflow.task.updated', task_index: 0, task: { status_indicator: 'complete', type: 'custom', title: 'Step 1' } },
    { type: 'generated_image.updated', image: { id: 'ig_1', url: 'https://blob.example.com/ig_1-partial-1.png' }, progress: 1 / 3 },
  ];
}

export function sampleEvents(): ThreadStreamEvent[] {
  const thread = {
    title: 'Greeting',
    id: 'thr_0a1b2c3d4e5f6071',
    created_at: at,
    status: { type: 'locked', reason: 'Under review' } as const,
    allowed_image_domains: ['images.example.com'],
    metadata: { secret: 'server-only' },
    items: { data: [], has_more: false },
  };
  const items = sampleItems().filter((item) => item.type !== 'hidden_context_item' && item.type !== 'sdk_hidden_context');
  return [
    { type: 'thread.created', thread: { ...thread, title: null, status: { type: 'active' }, allowed_image_domains: null } },
    { type: 'thread.updated', thread },
    ...items.map((item): ThreadStreamEvent => ({ type: 'thread.item.done', item })),
    { type: 'thread.item.added', item: { id: 'msg_9', ...base, type: 'assistant_message', content: [] } },
    ...sampleUpdates().map((update): ThreadStreamEvent => ({ type: 'thread.item.updated', item_id: 'msg_9', update })),
    { type: 'thread.item.removed', item_id: 'msg_9' },
    {
      type: 'thread.item.replaced',
      item: { id: 'msg_3', ...base, type: 'widget', widget: { type: 'Card', children: [{ type: 'Text', value: 'Replaced' }] } },
    },
    { type: 'stream_options', stream_options: { allow_cancel: false } },
    { type: 'progress_update', icon: 'search', text: 'Searching…' },
    { type: 'progress_update', text: 'No icon' },
    { type: 'client_effect', name: 'highlight', data: { id: 7 } },
    { type: 'error', code: 'stream.error', allow_retry: true },
    { type: 'error', code: 'custom', message: 'Quota exceeded, try tomorrow.', allow_retry: false },
    { type: 'notice', level: 'warning', message: 'You have **3** messages left.', title: 'Heads up' },
  ];
}
