// The serializer as a specification of docs/protocol.md §1.4: nulls omitted, defaults written, server-only
// fields stripped, free-form values verbatim, widget trees null-free, SSE frames exact.
import { describe, expect, it } from 'vitest';
import {
  attachmentToWire,
  encodeSseComment,
  encodeSseData,
  encodeSseFrame,
  eventToWire,
  itemToWire,
  itemsPageToWire,
  threadsPageToWire,
  threadToWire,
  toWire,
  updateToWire,
  type Attachment,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageItem,
  type WidgetRoot,
} from '../src/index.ts';
import { validatePageOfThreadItems, validateStreamEvent, validateThread, validateThreadItem } from '../src/schema-validation.ts';
import { sampleEvents, sampleItems } from './samples.ts';

const at = '2026-05-19T10:00:00.000Z';
const base = { thread_id: 'thr_1', created_at: at };
const json = (value: unknown) => JSON.stringify(value);
/** Stored records can hold what the types forbid (nulls, missing defaults, foreign keys): cast them in. */
const stored = <T>(value: object) => value as T;

const secretAttachment: Attachment = {
  id: 'atc_1',
  name: 'cat.png',
  mime_type: 'image/png',
  thread_id: 'thr_1',
  metadata: { secret: 'server-only', bucket: 'b' },
  type: 'image',
  preview_url: 'https://files.example.com/preview/atc_1',
};

describe('null fields are omitted', () => {
  it('a thread without title, reason or allowed_image_domains', () => {
    const thread = threadToWire(
      stored<ThreadMetadata>({
        title: null,
        id: 'thr_1',
        created_at: at,
        status: { type: 'locked', reason: null },
        allowed_image_domains: null,
        metadata: {},
      }),
    );
    expect(json(thread)).toBe(
      '{"id":"thr_1","created_at":"2026-05-19T10:00:00.000Z","status":{"type":"locked"},"metadata":{},"items":{"data":[],"has_more":false}}',
    );
  });

  it('a page whose after is null', () => {
    expect(json(itemsPageToWire({ data: [], has_more: false, after: null }))).toBe('{"data":[],"has_more":false}');
    expect(json(itemsPageToWire({ data: [], has_more: true, after: 'msg_4' }))).toBe('{"data":[],"has_more":true,"after":"msg_4"}');
  });

  it('a generated image item with no image yet', () => {
    expect(json(itemToWire({ id: 'msg_1', ...base, type: 'generated_image', image: null }))).toBe(
      '{"id":"msg_1","thread_id":"thr_1","created_at":"2026-05-19T10:00:00.000Z","type":"generated_image"}',
    );
  });

  it('a user message without quoted_text', () => {
    const item = itemToWire({
      id: 'msg_1',
      ...base,
      type: 'user_message',
      content: [{ type: 'input_text', text: 'Hi' }],
      attachments: [],
      quoted_text: null,
      inference_options: { tool_choice: null, model: null },
    });
    expect(json(item)).toBe(
      '{"id":"msg_1","thread_id":"thr_1","created_at":"2026-05-19T10:00:00.000Z","type":"user_message","content":[{"type":"input_text","text":"Hi"}],"attachments":[],"inference_options":{}}',
    );
  });

  it('an error event without message', () => {
    expect(json(eventToWire({ type: 'error', code: 'stream.error', message: null, allow_retry: true }))).toBe(
      '{"type":"error","code":"stream.error","allow_retry":true}',
    );
  });

  it('optional fields of events, items, tasks and annotations', () => {
    expect(json(eventToWire({ type: 'progress_update', icon: null, text: 'Working' }))).toBe('{"type":"progress_update","text":"Working"}');
    expect(json(eventToWire({ type: 'notice', level: 'info', message: 'm', title: null }))).toBe(
      '{"type":"notice","level":"info","message":"m"}',
    );
    const widget = itemToWire({ id: 'w', ...base, type: 'widget', widget: { type: 'Card', children: [] }, copy_text: null });
    expect(widget).not.toHaveProperty('copy_text');
    const call = itemToWire({
      id: 'tc',
      ...base,
      type: 'client_tool_call',
      status: 'completed',
      call_id: 'c',
      name: 'n',
      arguments: {},
      output: null,
    });
    expect(call).not.toHaveProperty('output');
    const update = updateToWire({
      type: 'assistant_message.content_part.annotation_added',
      content_index: 0,
      annotation_index: 0,
      annotation: { type: 'annotation', source: { type: 'url', url: 'https://e.com', title: 'E', description: null }, index: null },
    });
    expect(json(update)).toBe(
      '{"type":"assistant_message.content_part.annotation_added","content_index":0,"annotation_index":0,"annotation":{"type":"annotation","source":{"title":"E","type":"url","url":"https://e.com"}}}',
    );
    expect(json(updateToWire({ type: 'generated_image.updated', image: { id: 'ig', url: 'u' }, progress: null }))).toBe(
      '{"type":"generated_image.updated","image":{"id":"ig","url":"u"}}',
    );
  });
});

describe('fields with non-null defaults are always present', () => {
  it('explicit defaults are kept', () => {
    const wf = itemToWire({
      id: 'wf',
      ...base,
      type: 'workflow',
      workflow: { type: 'reasoning', tasks: [{ status_indicator: 'none', type: 'thought', content: 'x' }], expanded: false },
    });
    expect(json(wf)).toContain(
      '"workflow":{"type":"reasoning","tasks":[{"status_indicator":"none","type":"thought","content":"x"}],"expanded":false}',
    );
    expect(json(eventToWire({ type: 'client_effect', name: 'e', data: {} }))).toBe('{"type":"client_effect","name":"e","data":{}}');
  });

  it('defaults missing from a stored record are written, as the reference model would have them', () => {
    const wf = itemToWire(
      stored<ThreadItem>({ id: 'wf', ...base, type: 'workflow', workflow: { type: 'custom', tasks: [{ type: 'custom', title: 'Step' }] } }),
    );
    expect(wf).toMatchObject({ workflow: { tasks: [{ status_indicator: 'none', type: 'custom', title: 'Step' }], expanded: false } });
    const msg = itemToWire(
      stored<ThreadItem>({
        id: 'm',
        ...base,
        type: 'user_message',
        content: [{ type: 'input_tag', id: 't', text: 'T' }],
        inference_options: {},
      }),
    );
    expect(msg).toMatchObject({ attachments: [], content: [{ type: 'input_tag', id: 't', text: 'T', data: {}, interactive: false }] });
    const asst = itemToWire(
      stored<ThreadItem>({ id: 'a', ...base, type: 'assistant_message', content: [{ text: 'x', type: 'output_text' }] }),
    );
    expect(json(asst)).toContain('"content":[{"annotations":[],"text":"x","type":"output_text"}]');
    expect(json(eventToWire(stored<ThreadStreamEvent>({ type: 'error' })))).toBe('{"type":"error","code":"custom","allow_retry":false}');
    expect(json(eventToWire(stored<ThreadStreamEvent>({ type: 'client_effect', name: 'e' })))).toBe(
      '{"type":"client_effect","name":"e","data":{}}',
    );
    expect(
      itemToWire(stored<ThreadItem>({ id: 'tc', ...base, type: 'client_tool_call', call_id: 'c', name: 'n', arguments: {} })),
    ).toMatchObject({ status: 'pending' });
    expect(json(threadToWire(stored<ThreadMetadata>({ id: 't', created_at: at })))).toBe(
      '{"id":"t","created_at":"2026-05-19T10:00:00.000Z","status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}',
    );
  });
});

describe('server-only data never reaches the client', () => {
  it('Attachment.metadata is stripped from the attachment itself', () => {
    expect(json(attachmentToWire(secretAttachment))).toBe(
      '{"id":"atc_1","name":"cat.png","mime_type":"image/png","thread_id":"thr_1","type":"image","preview_url":"https://files.example.com/preview/atc_1"}',
    );
  });

  it('Attachment.metadata is stripped from user messages, in items, pages, threads and events', () => {
    const message: UserMessageItem = {
      id: 'msg_1',
      ...base,
      type: 'user_message',
      content: [{ type: 'input_text', text: 'see' }],
      attachments: [secretAttachment, { id: 'atc_2', name: 'n.txt', mime_type: 'text/plain', metadata: { k: 1 }, type: 'file' }],
      inference_options: {},
    };
    const page = { data: [message], has_more: false };
    for (const wire of [
      itemToWire(message),
      itemsPageToWire(page),
      threadToWire({ id: 'thr_1', created_at: at, status: { type: 'active' }, metadata: {} }, page),
      eventToWire({ type: 'thread.item.done', item: message }),
      toWire({ type: 'thread.item.done', item: message }),
      toWire(page),
      toWire({ updated_item: message }),
    ]) {
      expect(json(wire)).not.toContain('secret');
      expect(json(wire)).not.toContain('"k":1');
    }
  });

  it('ThreadMetadata.metadata is sent as {}', () => {
    const meta: ThreadMetadata = { id: 'thr_1', created_at: at, status: { type: 'active' }, metadata: { secret: 'server-only' } };
    expect(threadToWire(meta).metadata).toEqual({});
    expect(json(eventToWire({ type: 'thread.updated', thread: { ...meta, items: { data: [], has_more: false } } }))).not.toContain(
      'secret',
    );
    expect(json(threadsPageToWire({ data: [meta], has_more: false }))).not.toContain('secret');
    expect(json(toWire({ data: [meta], has_more: false }))).not.toContain('secret');
  });

  it('hidden-context items are filtered from pages and threads (and still serialize on their own)', () => {
    const hidden: ThreadItem = { id: 'hc', ...base, type: 'hidden_context_item', content: { clicked: true } };
    const sdkHidden: ThreadItem = { id: 'shcx', ...base, type: 'sdk_hidden_context', content: 'note' };
    const eot: ThreadItem = { id: 'eot', ...base, type: 'end_of_turn' };
    const page = { data: [hidden, eot, sdkHidden], has_more: true, after: 'shcx' };
    expect(itemsPageToWire(page)).toEqual({ data: [eot], has_more: true, after: 'shcx' });
    expect(toWire(page)).toEqual({ data: [eot], has_more: true, after: 'shcx' });
    expect(threadToWire({ id: 'thr_1', created_at: at, status: { type: 'active' }, metadata: {} }, page).items.data).toEqual([eot]);
    expect(itemToWire(hidden)).toEqual(hidden);
  });

  it('keys a stored record carries beyond the wire shape (_id, owner, …) are not emitted', () => {
    const doc = stored<ThreadItem>({ _id: 'x', owner: 'u1', sort: 7, id: 'eot', ...base, type: 'end_of_turn' });
    expect(json(itemToWire(doc))).toBe('{"id":"eot","thread_id":"thr_1","created_at":"2026-05-19T10:00:00.000Z","type":"end_of_turn"}');
    const thread = stored<ThreadMetadata>({ _id: 'x', owner: 'u1', id: 't', created_at: at, status: { type: 'active' }, metadata: {} });
    expect(Object.keys(threadToWire(thread))).toEqual(['id', 'created_at', 'status', 'metadata', 'items']);
  });
});

describe('free-form values are copied verbatim (nulls inside them survive, as in the reference)', () => {
  it('client tool arguments and output', () => {
    const item = itemToWire({
      id: 'tc',
      ...base,
      type: 'client_tool_call',
      status: 'completed',
      call_id: 'c',
      name: 'n',
      arguments: { max: null, nested: { a: null } },
      output: { ok: null, list: [null, 1] },
    });
    expect(item).toMatchObject({ arguments: { max: null, nested: { a: null } }, output: { ok: null, list: [null, 1] } });
  });

  it('client_effect data, hidden context content, tag and entity data', () => {
    expect(eventToWire({ type: 'client_effect', name: 'e', data: { x: null } })).toEqual({
      type: 'client_effect',
      name: 'e',
      data: { x: null },
    });
    expect(itemToWire({ id: 'hc', ...base, type: 'hidden_context_item', content: { a: null } })).toMatchObject({ content: { a: null } });
    const msg = itemToWire({
      id: 'm',
      ...base,
      type: 'user_message',
      content: [{ type: 'input_tag', id: 't', text: 'T', data: { z: null }, interactive: true }],
      attachments: [],
      inference_options: {},
    });
    expect(msg).toMatchObject({ content: [{ data: { z: null } }] });
    const ann = updateToWire({
      type: 'assistant_message.content_part.annotation_added',
      content_index: 0,
      annotation_index: 0,
      annotation: { type: 'annotation', source: { type: 'entity', id: 'e1', title: 'E', interactive: false, data: { n: null } } },
    });
    expect(json(ann)).toContain('"source":{"title":"E","type":"entity","id":"e1","interactive":false,"data":{"n":null}}');
  });
});

describe('widget trees carry no nulls at any depth', () => {
  const widget: WidgetRoot = {
    type: 'Card',
    id: null,
    children: [
      { type: 'Text', id: 't', value: 'Hi', streaming: null, color: null },
      null,
      { type: 'Button', label: 'Go', onClickAction: { type: 'go', payload: { keep: 1, drop: null, list: [null, 2] } } },
    ],
  };
  const clean = {
    type: 'Card',
    children: [
      { type: 'Text', id: 't', value: 'Hi' },
      { type: 'Button', label: 'Go', onClickAction: { type: 'go', payload: { keep: 1, list: [2] } } },
    ],
  };

  it('in widget items', () => {
    expect(itemToWire({ id: 'w', ...base, type: 'widget', widget })).toEqual({ id: 'w', ...base, type: 'widget', widget: clean });
  });

  it('in widget.root.updated and widget.component.updated', () => {
    expect(updateToWire({ type: 'widget.root.updated', widget })).toEqual({ type: 'widget.root.updated', widget: clean });
    expect(
      updateToWire({ type: 'widget.component.updated', component_id: 't', component: { type: 'Text', id: 't', value: 'x', size: null } }),
    ).toEqual({
      type: 'widget.component.updated',
      component_id: 't',
      component: { type: 'Text', id: 't', value: 'x' },
    });
  });
});

describe('serialization details', () => {
  it('follows the reference key order whatever order the record has', () => {
    const item = stored<ThreadItem>({
      inference_options: { model: 'gpt-x', tool_choice: { id: 'web' } },
      quoted_text: 'q',
      attachments: [],
      content: [{ text: 'Hello', type: 'input_text' }],
      type: 'user_message',
      created_at: at,
      thread_id: 'thr_1',
      id: 'msg_2',
    });
    expect(json(itemToWire(item))).toBe(
      '{"id":"msg_2","thread_id":"thr_1","created_at":"2026-05-19T10:00:00.000Z","type":"user_message","content":[{"type":"input_text","text":"Hello"}],"attachments":[],"quoted_text":"q","inference_options":{"tool_choice":{"id":"web"},"model":"gpt-x"}}',
    );
  });

  it('turns Date timestamps from the store into ISO-8601 strings', () => {
    const item = stored<ThreadItem>({ id: 'eot', thread_id: 't', created_at: new Date(at), type: 'end_of_turn' });
    expect(itemToWire(item).created_at).toBe(at);
  });

  it('toWire serializes the other JSON answers by shape', () => {
    expect(toWire({})).toEqual({});
    expect(toWire({ text: 'heard' })).toEqual({ text: 'heard' });
    expect(toWire({ updated_item: null })).toEqual({});
    expect(toWire({ updated_item: stored<ThreadItem>({ id: 'e', ...base, type: 'end_of_turn', owner: 'u' }) })).toEqual({
      updated_item: { id: 'e', ...base, type: 'end_of_turn' },
    });
    expect(toWire(secretAttachment)).not.toHaveProperty('metadata');
    expect(toWire({ type: 'workflow.task.added', task_index: 0, task: { type: 'image', title: null } })).toEqual({
      type: 'workflow.task.added',
      task_index: 0,
      task: { status_indicator: 'none', type: 'image' },
    });
  });

  it('refuses kinds it does not know instead of guessing', () => {
    expect(() => itemToWire(stored<ThreadItem>({ id: 'x', ...base, type: 'mystery' }))).toThrow('thread item: unknown type "mystery"');
    expect(() => eventToWire(stored<ThreadStreamEvent>({ type: 'thread.bogus' }))).toThrow(TypeError);
  });

  it('is idempotent', () => {
    for (const event of sampleEvents()) expect(eventToWire(eventToWire(event))).toEqual(eventToWire(event));
  });
});

describe('everything Switchyard produces is accepted by the reference schemas', () => {
  it.each(sampleItems().map((item) => ({ type: item.type, item })))('a $type item', ({ item }) => {
    validateThreadItem(itemToWire(item));
  });

  it.each(sampleEvents().map((event) => ({ name: 'update' in event ? `${event.type} ${event.update.type}` : event.type, event })))(
    'a $name event',
    ({ event }) => {
      validateStreamEvent(JSON.parse(json(eventToWire(event))));
    },
  );

  it('a thread with every visible item, and an items page', () => {
    const items = sampleItems();
    validateThread(
      threadToWire(
        { id: 'thr_1', created_at: at, status: { type: 'closed', reason: 'Done' }, metadata: { k: 1 } },
        { data: items, has_more: false },
      ),
    );
    validatePageOfThreadItems(itemsPageToWire({ data: items, has_more: true, after: 'x' }));
  });
});

describe('SSE frames (docs/protocol.md §1.3)', () => {
  const event: ThreadStreamEvent = { type: 'stream_options', stream_options: { allow_cancel: true } };

  it('are `data: <compact json>` and a blank line, with no event or id field by default', () => {
    expect(encodeSseFrame(event)).toBe('data: {"type":"stream_options","stream_options":{"allow_cancel":true}}\n\n');
  });

  it('carry `id: <seq>` first when given one (Switchyard streams are resumable)', () => {
    expect(encodeSseFrame(event, '42')).toBe('id: 42\ndata: {"type":"stream_options","stream_options":{"allow_cancel":true}}\n\n');
  });

  it('serialize the event on the way (nulls dropped)', () => {
    expect(encodeSseFrame({ type: 'error', code: 'custom', message: null, allow_retry: false })).toBe(
      'data: {"type":"error","code":"custom","allow_retry":false}\n\n',
    );
  });

  it('frame pre-serialized JSON as is, and refuse anything that would break the framing', () => {
    expect(encodeSseData('{"type":"notice"}', '7')).toBe('id: 7\ndata: {"type":"notice"}\n\n');
    expect(() => encodeSseData('{\n}')).toThrow(TypeError);
    expect(() => encodeSseFrame(event, '1\n2')).toThrow(TypeError);
    expect(encodeSseComment('ping')).toBe(': ping\n\n');
    expect(() => encodeSseComment('a\nb')).toThrow(TypeError);
  });

  it('keep non-ASCII text as UTF-8, as the reference does', () => {
    expect(encodeSseFrame({ type: 'progress_update', icon: 'search', text: 'Searching…' })).toBe(
      'data: {"type":"progress_update","icon":"search","text":"Searching…"}\n\n',
    );
  });
});
