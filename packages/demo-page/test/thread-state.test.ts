// How the demo page folds stored items and stream events into what it shows: checked against the
// reference's recordings (packages/protocol/test/golden) and @switchyard/protocol's applyItemUpdate.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyItemUpdate as protocolApply, type Thread, type ThreadItem, type ThreadStreamEvent } from '@switchyard/protocol';
import { applyItemUpdate, ThreadState } from '../browser/thread-state.js';

const GOLDEN_DIR = new URL('../../protocol/test/golden/', import.meta.url);

interface Exchange {
  request: { type: string; params: Record<string, unknown> };
  events: ThreadStreamEvent[];
  json?: unknown;
}

/** A recording as its requests, each with the SSE events or the JSON body the reference answered. */
function recording(name: string): Exchange[] {
  const lines = readFileSync(new URL(name, GOLDEN_DIR), 'utf8').split('\n');
  const out: Exchange[] = [];
  let current: Exchange | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('>>> REQUEST')) {
      current = { request: JSON.parse(lines[++i] ?? '{}') as Exchange['request'], events: [] };
      out.push(current);
    } else if (line.startsWith('<<< JSON') && current) current.json = JSON.parse(lines[++i] ?? 'null');
    else if (line.startsWith('data: ') && current) current.events.push(JSON.parse(line.slice(6)) as ThreadStreamEvent);
  }
  return out;
}

const goldenNames = readdirSync(GOLDEN_DIR)
  .filter((n) => n.endsWith('.txt'))
  .sort();
const streamed = (exchanges: Exchange[]) => exchanges.flatMap((e) => e.events);
const items = (state: ThreadState) => state.list().map((e) => e.item);
const base = { thread_id: 'thr_1', created_at: '2026-05-19T10:00:00.000Z' };

describe('applyItemUpdate (the browser copy of docs/protocol.md §5)', () => {
  it.each(goldenNames)('agrees with @switchyard/protocol on every update of %s', (name) => {
    const known = new Map<string, ThreadItem>();
    for (const event of streamed(recording(name))) {
      if (event.type === 'thread.item.added' || event.type === 'thread.item.done' || event.type === 'thread.item.replaced')
        known.set(event.item.id, event.item);
      if (event.type !== 'thread.item.updated') continue;
      const item = known.get(event.item_id);
      if (!item) continue;
      const expected = protocolApply(item, event.update);
      expect(applyItemUpdate(item, event.update)).toEqual(expected);
      known.set(event.item_id, expected);
    }
  });

  it('agrees on padding, out-of-range annotation indexes, widget component updates and updates of the wrong kind', () => {
    const message: ThreadItem = { id: 'msg_1', ...base, type: 'assistant_message', content: [] };
    const widget = {
      id: 'w_1',
      ...base,
      type: 'widget',
      widget: { type: 'Card', children: [{ type: 'Row', children: [{ id: 't', type: 'Text', value: 'a' }] }] },
    } as unknown as ThreadItem;
    const cases: Array<[ThreadItem, Parameters<typeof protocolApply>[1]]> = [
      [message, { type: 'assistant_message.content_part.text_delta', content_index: 2, delta: 'x' }],
      [
        message,
        {
          type: 'assistant_message.content_part.annotation_added',
          content_index: 0,
          annotation_index: 5,
          annotation: { type: 'annotation', source: { type: 'url', url: 'https://a', title: 'a' } },
        },
      ],
      [widget, { type: 'widget.streaming_text.value_delta', component_id: 't', delta: 'b', done: false }],
      [widget, { type: 'widget.component.updated', component_id: 't', component: { id: 't', type: 'Text', value: 'new' } }],
      [widget, { type: 'widget.component.updated', component_id: 'absent', component: { id: 'x', type: 'Text', value: 'x' } }],
      [message, { type: 'generated_image.updated', image: { id: 'ig_1', url: 'https://i' } }],
    ];
    for (const [item, update] of cases) expect(applyItemUpdate(item, update)).toEqual(protocolApply(item, update));
  });

  it('any split of a text into deltas streams back the whole text', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 30 }), (deltas) => {
        const state = new ThreadState();
        state.apply({ type: 'thread.item.added', item: { id: 'msg_1', ...base, type: 'assistant_message', content: [] } });
        for (const delta of deltas)
          state.apply({
            type: 'thread.item.updated',
            item_id: 'msg_1',
            update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta },
          });
        const item = state.entries.get('msg_1')?.item;
        expect(item?.type === 'assistant_message' ? (item.content[0]?.text ?? '') : null).toBe(deltas.join(''));
      }),
    );
  });
});

describe('ThreadState', () => {
  it.each(['01_threads_create_streamed_message.txt', '05_progress_notice_effect_hidden_task_workflow.txt'])(
    'folding the streams of %s shows exactly the items threads.get_by_id then returns (hidden items left out)',
    (name) => {
      const exchanges = recording(name);
      const read = exchanges.findIndex((e) => e.request.type === 'threads.get_by_id');
      const state = new ThreadState();
      for (const event of streamed(exchanges.slice(0, read))) state.apply(event);
      const stored = exchanges[read]!.json as Thread;
      expect(items(state)).toEqual(stored.items.data);
      expect(state.list().every((e) => e.status === 'done')).toBe(true);
      expect(state.thread?.id).toBe(stored.id);
    },
  );

  it('a generated image goes pending → partial previews with progress → final (recording 24)', () => {
    const state = new ThreadState();
    const seen: Array<{ status: string; url?: string; progress?: number }> = [];
    for (const event of streamed(recording('24_agent_image_generation_partial_images_3_url_converter.txt'))) {
      const change = state.apply(event);
      if (change.kind !== 'item') continue;
      const entry = state.entries.get(change.id)!;
      if (entry.item.type !== 'generated_image') continue;
      seen.push({
        status: entry.status,
        ...(entry.item.image ? { url: entry.item.image.url } : {}),
        ...(entry.progress !== undefined ? { progress: entry.progress } : {}),
      });
    }
    expect(seen).toEqual([
      { status: 'streaming' },
      { status: 'streaming', url: 'https://blob.example.com/ig_1-partial-0.png', progress: 0 },
      { status: 'streaming', url: 'https://blob.example.com/ig_1-partial-1.png', progress: 1 / 3 },
      { status: 'streaming', url: 'https://blob.example.com/ig_1-partial-2.png', progress: 2 / 3 },
      { status: 'done', url: 'https://blob.example.com/ig_1.png', progress: 2 / 3 },
    ]);
  });

  it('replaying a whole run over the stored thread (a re-attach from the start after a reload) changes nothing', () => {
    const exchanges = recording('01_threads_create_streamed_message.txt');
    const read = exchanges.findIndex((e) => e.request.type === 'threads.get_by_id');
    const stored = exchanges[read]!.json as Thread;
    const state = new ThreadState();
    state.load(stored, stored.items.data);
    const changes = streamed(exchanges.slice(0, read)).map((e) => state.apply(e));
    expect(items(state)).toEqual(stored.items.data);
    expect(changes.filter((c) => c.kind === 'item').length).toBeGreaterThan(0);
  });

  it('items a run left streaming are settled as interrupted, keeping their text', () => {
    const state = new ThreadState();
    state.apply({ type: 'thread.item.added', item: { id: 'msg_1', ...base, type: 'assistant_message', content: [] } });
    state.apply({
      type: 'thread.item.updated',
      item_id: 'msg_1',
      update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: 'Hal' },
    });
    state.apply({
      type: 'thread.item.done',
      item: { id: 'msg_0', ...base, type: 'user_message', content: [], attachments: [], inference_options: {} },
    });
    expect(state.settle()).toEqual(['msg_1']);
    expect(state.entries.get('msg_1')).toMatchObject({ status: 'interrupted', item: { content: [{ text: 'Hal' }] } });
    expect(state.settle()).toEqual([]);
  });

  it('removes items, ignores hidden ones, and keeps updating a finished widget', () => {
    const state = new ThreadState();
    state.apply({ type: 'thread.item.done', item: { id: 'hc_1', ...base, type: 'hidden_context_item', content: { secret: true } } });
    expect(state.list()).toEqual([]);
    const widget = {
      id: 'w_1',
      ...base,
      type: 'widget',
      widget: { type: 'Card', children: [{ id: 't', type: 'Text', value: 'a' }] },
    } as unknown as ThreadItem;
    state.apply({ type: 'thread.item.done', item: widget });
    state.apply({
      type: 'thread.item.updated',
      item_id: 'w_1',
      update: { type: 'widget.streaming_text.value_delta', component_id: 't', delta: 'b', done: true },
    });
    expect(JSON.stringify(state.entries.get('w_1')?.item)).toContain('"value":"ab"');
    expect(state.apply({ type: 'thread.item.removed', item_id: 'w_1' })).toEqual({ kind: 'removed', id: 'w_1' });
    expect(state.apply({ type: 'thread.item.removed', item_id: 'w_1' })).toEqual({ kind: 'none' });
  });

  it('reports errors, notices and the stop option; finds the retry target and a pending client tool call', () => {
    const state = new ThreadState();
    expect(state.apply({ type: 'error', code: 'stream.error', allow_retry: true })).toEqual({
      kind: 'error',
      code: 'stream.error',
      allowRetry: true,
    });
    expect(state.apply({ type: 'stream_options', stream_options: { allow_cancel: false } })).toEqual({
      kind: 'stream_options',
      allowCancel: false,
    });
    state.apply({
      type: 'thread.item.done',
      item: {
        id: 'msg_u',
        ...base,
        type: 'user_message',
        content: [{ type: 'input_text', text: 'hi' }],
        attachments: [],
        inference_options: {},
      },
    });
    state.apply({
      type: 'thread.item.done',
      item: { id: 'fc_1', ...base, type: 'client_tool_call', status: 'pending', call_id: 'c1', name: 'get_brand_colors', arguments: {} },
    });
    expect(state.lastUserMessageId()).toBe('msg_u');
    expect(state.pendingClientToolCall()?.name).toBe('get_brand_colors');
  });
});
