// Types of thread-state.js for the TypeScript tests (the browser loads the .js itself, no build step).
import type { ClientToolCallItem, Thread, ThreadItem, ThreadItemUpdate, ThreadStreamEvent } from '@switchyard/protocol';

export interface Entry {
  item: ThreadItem;
  status: 'streaming' | 'done' | 'interrupted';
  progress?: number;
}

export type Change =
  | { kind: 'thread' }
  | { kind: 'item'; id: string }
  | { kind: 'removed'; id: string }
  | { kind: 'stream_options'; allowCancel: boolean }
  | { kind: 'progress'; text: string; icon?: string }
  | { kind: 'notice'; level: string; message: string; title?: string }
  | { kind: 'error'; code: string; message?: string; allowRetry: boolean }
  | { kind: 'client_effect'; name: string }
  | { kind: 'none' };

export class ThreadState {
  thread: Omit<Thread, 'items'> | null;
  entries: Map<string, Entry>;
  clear(): void;
  load(thread: Thread, items: ThreadItem[]): void;
  list(): Entry[];
  apply(event: ThreadStreamEvent): Change;
  settle(): string[];
  dropAfter(itemId: string): string[];
  lastUserMessageId(): string | undefined;
  pendingClientToolCall(): ClientToolCallItem | undefined;
}

export function applyItemUpdate(item: ThreadItem, update: ThreadItemUpdate): ThreadItem;
