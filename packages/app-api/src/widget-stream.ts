// Streaming a widget the way the reference's helper does (docs/protocol.md §8): the first root is added,
// each next root is diffed against the previous one — append-only growth of Text/Markdown values
// with an id becomes `widget.streaming_text.value_delta`, anything else one `widget.root.updated` —
// and the last root completes the item.
import type { ThreadItemUpdate, ThreadStreamEvent, WidgetItem, WidgetRoot } from '@switchyard/protocol';

type Node = unknown;
type ValueDelta = Extract<ThreadItemUpdate, { type: 'widget.streaming_text.value_delta' }>;

const STREAMED_TEXT = new Set(['Text', 'Markdown']);

function isObject(v: Node): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: Node, b: Node): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Collects value deltas; returns false when the change is anything but append-only text growth. */
function collect(before: Node, after: Node, deltas: ValueDelta[]): boolean {
  if (Array.isArray(before) || Array.isArray(after)) {
    if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length) return false;
    return before.every((b, i) => collect(b, after[i], deltas));
  }
  if (!isObject(before) || !isObject(after)) return before === after;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const textual = typeof after.type === 'string' && STREAMED_TEXT.has(after.type) && before.type === after.type;
  for (const key of keys) {
    if (textual && key === 'value') continue;
    if (!collect(before[key], after[key], deltas)) return false;
  }
  if (!textual) return true;
  const was = typeof before.value === 'string' ? before.value : '';
  const now = typeof after.value === 'string' ? after.value : '';
  if (was === now) return true;
  if (!now.startsWith(was) || typeof after.id !== 'string') return false;
  deltas.push({
    type: 'widget.streaming_text.value_delta',
    component_id: after.id,
    delta: now.slice(was.length),
    done: after.streaming !== true,
  });
  return true;
}

/** The updates that take a client from `before` to `after` (none when nothing changed). */
export function diffWidget(before: WidgetRoot, after: WidgetRoot): ThreadItemUpdate[] {
  if (deepEqual(before, after)) return [];
  const deltas: ValueDelta[] = [];
  if (collect(before, after, deltas)) return deltas;
  return [{ type: 'widget.root.updated', widget: after }];
}

/**
 * Events for a widget sent as a sequence of roots. `item` carries the id, thread and created_at
 * (its `widget` is replaced by each root in turn).
 */
export async function* streamWidget(
  item: Omit<WidgetItem, 'widget'>,
  roots: AsyncIterable<WidgetRoot> | Iterable<WidgetRoot>,
): AsyncGenerator<ThreadStreamEvent> {
  let previous: WidgetRoot | null = null;
  for await (const root of roots) {
    if (previous === null) yield { type: 'thread.item.added', item: { ...item, widget: root } };
    else for (const update of diffWidget(previous, root)) yield { type: 'thread.item.updated', item_id: item.id, update };
    previous = root;
  }
  if (previous !== null) yield { type: 'thread.item.done', item: { ...item, widget: previous } };
}
