// Shared plumbing for the agents-runtime suites: a RespondArgs over an in-memory history, the
// Node 20 WebSocket global, and a respond generator drained into events plus its error.
import { setTracingDisabled } from '@openai/agents';
import type { ResponseEvent, RespondArgs } from '@switchyard/app-api';
import { newId, type ThreadItem, type ThreadStreamEvent, type UserMessageItem } from '@switchyard/protocol';
export { installWebSocketGlobal } from '@switchyard/model-test-server';

setTracingDisabled(true);

export function userMessage(text: string, threadId = 'thr_test'): UserMessageItem {
  return {
    id: newId('msg'),
    thread_id: threadId,
    created_at: new Date().toISOString(),
    type: 'user_message',
    content: [{ type: 'input_text', text }],
    attachments: [],
    inference_options: {},
  };
}

/** RespondArgs for a thread whose stored items are `history` (oldest first); `input` is the newest user message, if any. */
export function respondArgs(history: ThreadItem[], opts: { input?: UserMessageItem | null; signal?: AbortSignal } = {}): RespondArgs {
  const last = [...history].reverse().find((i): i is UserMessageItem => i.type === 'user_message') ?? null;
  return {
    thread: { id: 'thr_test', created_at: new Date().toISOString(), status: { type: 'active' }, metadata: {} },
    context: { owner: 'tester', metadata: {} },
    items: {
      loadItems: async (limit = 400) => history.slice(-limit),
      loadItem: async (id) => {
        const item = history.find((i) => i.id === id);
        if (!item) throw new Error(`no item ${id}`);
        return item;
      },
    },
    newId,
    saveItem: async (item) => {
      const at = history.findIndex((i) => i.id === item.id);
      if (at >= 0) history[at] = item;
      else history.push(item);
    },
    signal: opts.signal ?? new AbortController().signal,
    input: opts.input === undefined ? last : opts.input,
  };
}

export async function drain(events: AsyncIterable<ResponseEvent>): Promise<{ events: ResponseEvent[]; error: unknown }> {
  const out: ResponseEvent[] = [];
  try {
    for await (const e of events) out.push(e);
    return { events: out, error: null };
  } catch (error) {
    return { events: out, error };
  }
}

/** The ChatKit events only (image frames left out). */
export function chatKitEvents(events: ResponseEvent[]): ThreadStreamEvent[] {
  return events.filter((e): e is ThreadStreamEvent => e.type !== 'switchyard.image_frame' && e.type !== 'switchyard.model_response');
}
