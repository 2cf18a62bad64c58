// ThreadStreamEvent (docs/protocol.md §4): the payload of every SSE frame, discriminated on `type`.
// Only `thread.item.done` / `.removed` / `.replaced` change the store; the rest are transient.
import type { IconName } from './icons.ts';
import type { ThreadItem } from './items.ts';
import type { JsonObject } from './json.ts';
import type { Thread } from './thread.ts';
import type { ThreadItemUpdate } from './updates.ts';

/** Only at the start of `threads.create`; the thread carries an empty items page. */
export interface ThreadCreatedEvent {
  type: 'thread.created';
  thread: Thread;
}

/** The thread's metadata changed during processing; `items` is always the empty page. */
export interface ThreadUpdatedEvent {
  type: 'thread.updated';
  thread: Thread;
}

/** A new, still-streaming item; not persisted on its own. */
export interface ThreadItemAddedEvent {
  type: 'thread.item.added';
  item: ThreadItem;
}

export interface ThreadItemUpdatedEvent {
  type: 'thread.item.updated';
  item_id: string;
  update: ThreadItemUpdate;
}

/** The final state of an item; the server persists it. */
export interface ThreadItemDoneEvent {
  type: 'thread.item.done';
  item: ThreadItem;
}

export interface ThreadItemRemovedEvent {
  type: 'thread.item.removed';
  item_id: string;
}

/** Whole-item replacement by id (upsert); may change the item's type. */
export interface ThreadItemReplacedEvent {
  type: 'thread.item.replaced';
  item: ThreadItem;
}

export interface StreamOptions {
  /** Shows the stop button; cancelling = disconnecting. */
  allow_cancel: boolean;
}

/** Exactly one per response pipeline run, before anything the integration produces. */
export interface StreamOptionsEvent {
  type: 'stream_options';
  stream_options: StreamOptions;
}

export interface ProgressUpdateEvent {
  type: 'progress_update';
  icon?: IconName | null;
  text: string;
}

/** Fire-and-forget instruction for the host page (1.4.0+). */
export interface ClientEffectEvent {
  type: 'client_effect';
  name: string;
  /** default {}; copied verbatim. */
  data: JsonObject;
}

/** The only built-in code; the client localizes the text. */
export type ErrorCode = 'stream.error';

export interface ErrorEvent {
  type: 'error';
  /** default "custom": then `message` is shown verbatim. */
  code: ErrorCode | 'custom';
  message?: string | null;
  /** default false; true shows a retry button (`threads.retry_after_item`). */
  allow_retry: boolean;
}

export interface NoticeEvent {
  type: 'notice';
  level: 'info' | 'warning' | 'danger';
  /** Markdown. */
  message: string;
  title?: string | null;
}

export type ThreadStreamEvent =
  | ThreadCreatedEvent
  | ThreadUpdatedEvent
  | ThreadItemDoneEvent
  | ThreadItemAddedEvent
  | ThreadItemUpdatedEvent
  | ThreadItemRemovedEvent
  | ThreadItemReplacedEvent
  | StreamOptionsEvent
  | ProgressUpdateEvent
  | ClientEffectEvent
  | ErrorEvent
  | NoticeEvent;

export type ThreadStreamEventType = ThreadStreamEvent['type'];

export type ThreadStreamEventOf<T extends ThreadStreamEventType> = Extract<ThreadStreamEvent, { type: T }>;

export const THREAD_STREAM_EVENT_TYPES = [
  'thread.created',
  'thread.updated',
  'thread.item.done',
  'thread.item.added',
  'thread.item.updated',
  'thread.item.removed',
  'thread.item.replaced',
  'stream_options',
  'progress_update',
  'client_effect',
  'error',
  'notice',
] as const satisfies readonly ThreadStreamEventType[];
