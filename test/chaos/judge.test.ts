// The chaos judge's rules on hand-written event lists: each defect the campaign reports is counted
// exactly when it is there, and a clean run or a clean take-over counts none.
import { describe, expect, it } from 'vitest';
import { judgeRun, type SeenEvent, type StoredItem } from './judge.ts';

const ev = (seq: number | undefined, data: Record<string, unknown>): SeenEvent => ({
  ...(seq !== undefined ? { id: String(seq) } : {}),
  data,
  raw: JSON.stringify(data),
});
const user = { id: 'u1', type: 'user_message', content: [{ type: 'input_text', text: 'hi' }] };
const added = (id: string) => ({ type: 'thread.item.added', item: { id, type: 'assistant_message', content: [] } });
const part = (id: string) => ({
  type: 'thread.item.updated',
  item_id: id,
  update: { type: 'assistant_message.content_part.added', content_index: 0, content: { type: 'output_text', text: '' } },
});
const delta = (id: string, text: string) => ({
  type: 'thread.item.updated',
  item_id: id,
  update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: text },
});
const done = (id: string, text: string) => ({
  type: 'thread.item.done',
  item: { id, type: 'assistant_message', content: [{ type: 'output_text', text }] },
});

/** A run that answered "Hello there" as item `a1`, from seq 1. */
function cleanRun(): SeenEvent[] {
  return [
    ev(1, { type: 'thread.created', thread: { id: 't1' } }),
    ev(2, { type: 'thread.item.done', item: user }),
    ev(3, added('a1')),
    ev(4, part('a1')),
    ev(5, delta('a1', 'Hello ')),
    ev(6, delta('a1', 'there')),
    ev(7, done('a1', 'Hello there')),
  ];
}
const stored = (...items: Array<[string, string]>): StoredItem[] => items.map(([item_id, type]) => ({ item_id, type }));
const zero = { lost: 0, duplicateEvents: 0, textMismatch: 0, zombieEvents: 0, zombieItems: 0, missingItems: 0, duplicateItems: 0 };

describe('chaos judge', () => {
  it('finds nothing wrong with a clean run', () => {
    const v = judgeRun(cleanRun(), true, stored(['u1', 'user_message'], ['a1', 'assistant_message']));
    expect(v).toMatchObject({ outcome: 'completed', ...zero });
    expect(v.details).toEqual([]);
  });

  it('calls a run whose end the client never saw a hang, and one ending in an error an error', () => {
    expect(judgeRun(cleanRun(), false, []).outcome).toBe('hang');
    expect(judgeRun(cleanRun().slice(0, 5), true, []).outcome).toBe('hang');
    const failed = [...cleanRun().slice(0, 5), ev(undefined, { type: 'error', code: 'stream.error' })];
    expect(judgeRun(failed, true, stored(['u1', 'user_message'])).outcome).toBe('error');
  });

  it('counts a seq gap as lost events', () => {
    const events = cleanRun().filter((e) => e.id !== '4' && e.id !== '5');
    expect(judgeRun(events, true, stored(['u1', 'user_message'], ['a1', 'assistant_message']))).toMatchObject({ lost: 2 });
  });

  it('counts a seq received twice as a duplicate event', () => {
    const events = cleanRun();
    events.splice(5, 0, events[4]!);
    const v = judgeRun(events, true, stored(['u1', 'user_message'], ['a1', 'assistant_message']));
    // Same seq twice, and the same delta batch twice in a row: both rules see it.
    expect(v.duplicateEvents).toBe(2);
    expect(v.textMismatch).toBe(1);
  });

  it('counts one delta batch appended twice under two seqs as a duplicate event and a text mismatch', () => {
    const events = [...cleanRun().slice(0, 5), ev(6, delta('a1', 'Hello ')), ev(7, delta('a1', 'there')), ev(8, done('a1', 'Hello there'))];
    const v = judgeRun(events, true, stored(['u1', 'user_message'], ['a1', 'assistant_message']));
    expect(v).toMatchObject({ lost: 0, duplicateEvents: 1, textMismatch: 1 });
  });

  it('accepts a take-over that removes the lost attempt and answers again', () => {
    const events = [
      ...cleanRun().slice(0, 5),
      ev(6, { type: 'thread.item.removed', item_id: 'a1' }),
      ev(7, added('a2')),
      ev(8, part('a2')),
      ev(9, delta('a2', 'Hi')),
      ev(10, done('a2', 'Hi')),
    ];
    expect(judgeRun(events, true, stored(['u1', 'user_message'], ['a2', 'assistant_message']))).toMatchObject({
      outcome: 'completed',
      ...zero,
    });
  });

  it('counts what a resumed stale attempt left: an event after removal and the item it stored', () => {
    const events = [
      ...cleanRun().slice(0, 5),
      ev(6, { type: 'thread.item.removed', item_id: 'a1' }),
      ev(7, added('a2')),
      ev(8, part('a2')),
      ev(9, delta('a2', 'Hi')),
      ev(10, delta('a1', 'there')),
      ev(11, done('a2', 'Hi')),
    ];
    const v = judgeRun(events, true, stored(['u1', 'user_message'], ['a1', 'assistant_message'], ['a2', 'assistant_message']));
    expect(v).toMatchObject({ zombieEvents: 1, zombieItems: 1, duplicateItems: 1, missingItems: 0, textMismatch: 0 });
  });

  it('keeps an item removed once out of the client view even when a stale attempt later says it is done', () => {
    const image = { id: 'g1', type: 'generated_image', image: { id: 'ig', url: 'u' } };
    const events = [
      ...cleanRun().slice(0, 2),
      ev(3, { type: 'thread.item.added', item: { id: 'g1', type: 'generated_image' } }),
      ev(4, { type: 'thread.item.removed', item_id: 'g1' }),
      ev(5, { type: 'thread.item.added', item: { ...image, id: 'g2' } }),
      ev(6, { type: 'thread.item.done', item: image }),
      ev(7, { type: 'thread.item.done', item: { ...image, id: 'g2' } }),
      ...cleanRun()
        .slice(2)
        .map((e) => ev(Number(e.id) + 5, e.data as Record<string, unknown>)),
    ];
    const v = judgeRun(
      events,
      true,
      stored(['u1', 'user_message'], ['g1', 'generated_image'], ['g2', 'generated_image'], ['a1', 'assistant_message']),
    );
    expect(v).toMatchObject({ outcome: 'completed', zombieEvents: 1, zombieItems: 1, duplicateItems: 1, missingItems: 0, lost: 0 });
  });

  it('counts a stored item the client was never shown, and one shown but not stored', () => {
    const v = judgeRun(cleanRun(), true, stored(['u1', 'user_message'], ['h1', 'sdk_hidden_context']));
    expect(v).toMatchObject({ zombieItems: 1, missingItems: 1, duplicateItems: 0 });
  });

  it('counts a second generated image stored for the run as a duplicate item', () => {
    const image = (id: string) => ({ type: 'thread.item.done', item: { id, type: 'generated_image', image: { id: 'ig', url: 'u' } } });
    const events = [
      ...cleanRun().slice(0, 2),
      ev(3, image('g1')),
      ...cleanRun()
        .slice(2)
        .map((e) => ev(Number(e.id) + 1, e.data as Record<string, unknown>)),
    ];
    const v = judgeRun(
      events,
      true,
      stored(['u1', 'user_message'], ['g1', 'generated_image'], ['g0', 'generated_image'], ['a1', 'assistant_message']),
    );
    expect(v).toMatchObject({ duplicateItems: 1, zombieItems: 1, lost: 0 });
  });
});
