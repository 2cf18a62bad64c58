// What the demo page knows about the open thread: its metadata and items, folded from stored items
// (threads.get_by_id) and ChatKit stream events (docs/protocol.md §4, §5). Pure data, no DOM, so it is
// tested in Node.

/** @typedef {import('@switchyard/protocol').ThreadItem} ThreadItem */
/** @typedef {import('@switchyard/protocol').ThreadItemUpdate} ThreadItemUpdate */
/** @typedef {import('@switchyard/protocol').ThreadStreamEvent} ThreadStreamEvent */
/** @typedef {import('@switchyard/protocol').Thread} Thread */

/**
 * An item as the page shows it. `status`: `streaming` between `thread.item.added` and its `done`;
 * `done` once final (stored items, `done`, `replaced`); `interrupted` when the run ended first
 * (cancelled, failed). `progress` is the last `generated_image.updated` progress.
 * @typedef {{ item: ThreadItem, status: 'streaming' | 'done' | 'interrupted', progress?: number }} Entry
 */

/**
 * What an event changed, for the view to redraw exactly that.
 * @typedef {{ kind: 'thread' }
 *   | { kind: 'item', id: string }
 *   | { kind: 'removed', id: string }
 *   | { kind: 'stream_options', allowCancel: boolean }
 *   | { kind: 'progress', text: string, icon?: string }
 *   | { kind: 'notice', level: string, message: string, title?: string }
 *   | { kind: 'error', code: string, message?: string, allowRetry: boolean }
 *   | { kind: 'client_effect', name: string }
 *   | { kind: 'none' }} Change
 */

/** Never shown: model-only context (the server filters these from reads, but not every event). */
const HIDDEN_TYPES = new Set(['hidden_context_item', 'sdk_hidden_context']);

export class ThreadState {
  constructor() {
    /** @type {Omit<Thread, 'items'> | null} */
    this.thread = null;
    /** @type {Map<string, Entry>} insertion order is display order */
    this.entries = new Map();
  }

  /** Forgets the thread (a new conversation starts blank). */
  clear() {
    this.thread = null;
    this.entries.clear();
  }

  /** Replaces everything with a stored thread (`threads.get_by_id`) and its items, oldest first. */
  load(/** @type {Thread} */ thread, /** @type {ThreadItem[]} */ items) {
    const { items: _page, ...meta } = thread;
    this.thread = meta;
    this.entries.clear();
    for (const item of items) if (!HIDDEN_TYPES.has(item.type)) this.entries.set(item.id, { item, status: 'done' });
  }

  /** @returns {Entry[]} */
  list() {
    return [...this.entries.values()];
  }

  /**
   * Folds one stream event in. Events may be replayed (a re-attach from the start of a run whose
   * finished items are already loaded from the store): an item that is done takes no `added` or
   * deltas again, so nothing is shown twice. Widgets are the exception: the protocol updates finished
   * widgets from later actions (docs/protocol.md §4.4).
   * @param {ThreadStreamEvent} event
   * @returns {Change}
   */
  apply(event) {
    switch (event.type) {
      case 'thread.created':
      case 'thread.updated': {
        const { items: _page, ...meta } = event.thread;
        this.thread = meta;
        return { kind: 'thread' };
      }
      case 'thread.item.added': {
        if (HIDDEN_TYPES.has(event.item.type)) return { kind: 'none' };
        const existing = this.entries.get(event.item.id);
        if (existing && existing.status !== 'streaming') return { kind: 'none' };
        this.entries.set(event.item.id, { item: event.item, status: 'streaming' });
        return { kind: 'item', id: event.item.id };
      }
      case 'thread.item.updated': {
        const entry = this.entries.get(event.item_id);
        if (!entry) return { kind: 'none' };
        if (entry.status !== 'streaming' && entry.item.type !== 'widget') return { kind: 'none' };
        const item = applyItemUpdate(entry.item, event.update);
        const next = { ...entry, item };
        if (event.update.type === 'generated_image.updated') next.progress = event.update.progress ?? 0;
        this.entries.set(event.item_id, next);
        return { kind: 'item', id: event.item_id };
      }
      case 'thread.item.done':
      case 'thread.item.replaced': {
        if (HIDDEN_TYPES.has(event.item.type)) return { kind: 'none' };
        const existing = this.entries.get(event.item.id);
        this.entries.set(event.item.id, {
          item: event.item,
          status: 'done',
          ...(existing?.progress !== undefined ? { progress: existing.progress } : {}),
        });
        return { kind: 'item', id: event.item.id };
      }
      case 'thread.item.removed':
        if (!this.entries.delete(event.item_id)) return { kind: 'none' };
        return { kind: 'removed', id: event.item_id };
      case 'stream_options':
        return { kind: 'stream_options', allowCancel: event.stream_options.allow_cancel };
      case 'progress_update':
        return { kind: 'progress', text: event.text, ...(event.icon ? { icon: event.icon } : {}) };
      case 'notice':
        return { kind: 'notice', level: event.level, message: event.message, ...(event.title ? { title: event.title } : {}) };
      case 'error':
        return {
          kind: 'error',
          code: event.code,
          allowRetry: event.allow_retry ?? false,
          ...(event.message ? { message: event.message } : {}),
        };
      case 'client_effect':
        return { kind: 'client_effect', name: event.name };
      default:
        return { kind: 'none' };
    }
  }

  /**
   * The run is over: items still streaming never got their `done` (cancelled or failed run).
   * @returns {string[]} the ids whose status changed
   */
  settle() {
    const changed = [];
    for (const [id, entry] of this.entries) {
      if (entry.status !== 'streaming') continue;
      this.entries.set(id, { ...entry, status: 'interrupted' });
      changed.push(id);
    }
    return changed;
  }

  /**
   * Drops every item after `itemId`, as `threads.retry_after_item` does on the server without
   * sending removals (docs/protocol.md §6.6: the client drops them itself).
   * @param {string} itemId
   * @returns {string[]} the dropped ids
   */
  dropAfter(itemId) {
    const ids = [...this.entries.keys()];
    const at = ids.indexOf(itemId);
    if (at === -1) return [];
    const dropped = ids.slice(at + 1);
    for (const id of dropped) this.entries.delete(id);
    return dropped;
  }

  /** The newest user message, the target of `threads.retry_after_item`. */
  lastUserMessageId() {
    const items = this.list();
    for (let i = items.length - 1; i >= 0; i--) if (items[i]?.item.type === 'user_message') return items[i]?.item.id;
    return undefined;
  }

  /** A client tool call the server waits for (it ends the turn; the page must answer it). */
  pendingClientToolCall() {
    const last = this.list().at(-1)?.item;
    return last?.type === 'client_tool_call' && last.status === 'pending' ? last : undefined;
  }
}

/**
 * docs/protocol.md §5 "Application semantics", as @switchyard/protocol's applyItemUpdate does it (the unit
 * tests hold the two to the same results on the reference's recordings). Returns a new item.
 * @param {ThreadItem} item
 * @param {ThreadItemUpdate} update
 * @returns {ThreadItem}
 */
export function applyItemUpdate(item, update) {
  switch (update.type) {
    case 'assistant_message.content_part.added':
    case 'assistant_message.content_part.done':
    case 'assistant_message.content_part.text_delta':
    case 'assistant_message.content_part.annotation_added': {
      if (item.type !== 'assistant_message') return item;
      const content = [...item.content];
      while (content.length <= update.content_index) content.push({ annotations: [], text: '', type: 'output_text' });
      const part = content[update.content_index];
      if (update.type === 'assistant_message.content_part.text_delta') {
        content[update.content_index] = { ...part, text: part.text + update.delta };
      } else if (update.type === 'assistant_message.content_part.annotation_added') {
        const annotations = [...part.annotations];
        annotations.splice(Math.min(update.annotation_index, annotations.length), 0, update.annotation);
        content[update.content_index] = { ...part, annotations };
      } else {
        content[update.content_index] = update.content;
      }
      return { ...item, content };
    }
    case 'workflow.task.added':
      if (item.type !== 'workflow') return item;
      return { ...item, workflow: { ...item.workflow, tasks: [...item.workflow.tasks, update.task] } };
    case 'workflow.task.updated': {
      if (item.type !== 'workflow') return item;
      const tasks = item.workflow.tasks;
      if (update.task_index < 0 || update.task_index >= tasks.length) return item;
      return { ...item, workflow: { ...item.workflow, tasks: tasks.map((t, i) => (i === update.task_index ? update.task : t)) } };
    }
    case 'generated_image.updated':
      return item.type === 'generated_image' ? { ...item, image: update.image } : item;
    case 'widget.root.updated':
      return item.type === 'widget' ? { ...item, widget: update.widget } : item;
    case 'widget.component.updated':
    case 'widget.streaming_text.value_delta': {
      if (item.type !== 'widget') return item;
      const replace =
        update.type === 'widget.component.updated'
          ? () => update.component
          : (/** @type {Record<string, unknown>} */ node) => ({
              ...node,
              value: (typeof node.value === 'string' ? node.value : '') + update.delta,
            });
      const widget = mapComponentById(item.widget, update.component_id, replace);
      return widget === item.widget ? item : { ...item, widget };
    }
    default:
      return item;
  }
}

/**
 * Rewrites the first node whose `id` matches, copying only the path to it; returns `node` itself when absent.
 * @param {any} node
 * @param {string} id
 * @param {(node: any) => any} replace
 * @returns {any}
 */
function mapComponentById(node, id, replace) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const mapped = mapComponentById(node[i], id, replace);
      if (mapped !== node[i]) return node.map((c, j) => (j === i ? mapped : c));
    }
    return node;
  }
  if (typeof node !== 'object' || node === null) return node;
  if (node.id === id) return replace(node);
  if (node.children === undefined) return node;
  const children = mapComponentById(node.children, id, replace);
  return children === node.children ? node : { ...node, children };
}
