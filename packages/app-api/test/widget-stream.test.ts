// The widget streaming helper against the reference's diff rules (docs/conformance.md H8–H13).
import { describe, expect, it } from 'vitest';
import type { WidgetRoot } from '@switchyard/protocol';
import { diffWidget, streamWidget } from '../src/index.ts';

const card = (...children: Array<Record<string, unknown>>) => ({ type: 'Card', children }) as unknown as WidgetRoot;
const text = (value: string, extra: Record<string, unknown> = {}) => ({ type: 'Text', id: 'text', value, streaming: true, ...extra });
const base = { id: 'msg_w', thread_id: 'thr_1', created_at: '2026-11-22T00:00:00.000Z', type: 'widget' as const };

async function collect(roots: WidgetRoot[]) {
  const out = [];
  for await (const e of streamWidget(base, roots)) out.push(e);
  return out;
}

describe('streamWidget', () => {
  it('H8: growing text streams as value deltas between added and done', async () => {
    const events = await collect(['', 'Hel', 'Hello,', 'Hello, world'].map((v) => card(text(v))));
    expect(events.map((e) => e.type)).toEqual([
      'thread.item.added',
      'thread.item.updated',
      'thread.item.updated',
      'thread.item.updated',
      'thread.item.done',
    ]);
    expect(events.slice(1, 4).map((e) => (e.type === 'thread.item.updated' ? e.update : null))).toEqual([
      { type: 'widget.streaming_text.value_delta', component_id: 'text', delta: 'Hel', done: false },
      { type: 'widget.streaming_text.value_delta', component_id: 'text', delta: 'lo,', done: false },
      { type: 'widget.streaming_text.value_delta', component_id: 'text', delta: ' world', done: false },
    ]);
    expect(events[4]).toMatchObject({ type: 'thread.item.done', item: { widget: card(text('Hello, world')) } });
  });

  it('H9: a rewritten value replaces the root', async () => {
    const events = await collect([card(text('Hello')), card(text('World'))]);
    expect(events.map((e) => (e.type === 'thread.item.updated' ? e.update.type : e.type))).toEqual([
      'thread.item.added',
      'widget.root.updated',
      'thread.item.done',
    ]);
  });

  it('H10: a changed key or streaming flag replaces the root', async () => {
    const events = await collect([card(text('Hello!')), card({ type: 'Text', key: 'other text', value: 'World!', streaming: false })]);
    expect(events.map((e) => (e.type === 'thread.item.updated' ? e.update.type : e.type))).toEqual([
      'thread.item.added',
      'widget.root.updated',
      'thread.item.done',
    ]);
  });

  it('H11: a single root is added and done', async () => {
    expect((await collect([card(text('x'))])).map((e) => e.type)).toEqual(['thread.item.added', 'thread.item.done']);
  });
});

describe('diffWidget (H12, H13)', () => {
  it('identical cards need no update', () => {
    expect(diffWidget(card(text('a')), card(text('a')))).toEqual([]);
  });
  it('growth with streaming true → true is a value delta, done false', () => {
    expect(diffWidget(card(text('a')), card(text('ab')))).toEqual([
      { type: 'widget.streaming_text.value_delta', component_id: 'text', delta: 'b', done: false },
    ]);
  });
  it('growth with streaming true → false replaces the root', () => {
    expect(diffWidget(card(text('a')), card(text('ab', { streaming: false })))[0]!.type).toBe('widget.root.updated');
  });
  it('growth with streaming false → false is a value delta with done true', () => {
    expect(diffWidget(card(text('a', { streaming: false })), card(text('ab', { streaming: false })))).toEqual([
      { type: 'widget.streaming_text.value_delta', component_id: 'text', delta: 'b', done: true },
    ]);
  });
  it('an unrelated prop change replaces the root', () => {
    expect(diffWidget(card(text('a'), { type: 'Badge', label: 'x' }), card(text('ab'), { type: 'Badge', label: 'y' }))[0]!.type).toBe(
      'widget.root.updated',
    );
  });
  it('dynamic (template) widgets follow the same rules', () => {
    const dyn = (v: string) =>
      ({
        type: 'Card',
        children: [
          { type: 'Markdown', id: 'md', value: v, streaming: true },
          { type: 'custom-chart', data: [1, 2] },
        ],
      }) as unknown as WidgetRoot;
    expect(diffWidget(dyn('# a'), dyn('# ab'))).toEqual([
      { type: 'widget.streaming_text.value_delta', component_id: 'md', delta: 'b', done: false },
    ]);
  });
  it('growth of a text without id replaces the root', () => {
    expect(diffWidget(card({ type: 'Text', value: 'a' }), card({ type: 'Text', value: 'ab' }))[0]!.type).toBe('widget.root.updated');
  });
});
