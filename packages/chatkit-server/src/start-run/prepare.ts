// Step 2 of starting a run: everything a streaming request checks, read-only, while the run holds its
// reservation. The outcome says what to write, which events open the stream and what the worker
// gets, or that the request is answered without a worker (docs/protocol.md §6.2–6.7).
import { itemForWire, type AttachmentDeps } from '@switchyard/attachments';
import { BadRequest, Conflict, NotFound } from '@switchyard/errors';
import {
  newId,
  type Attachment,
  type ChatKitRequestOf,
  type StreamingRequest,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageInput,
  type UserMessageItem,
} from '@switchyard/protocol';
import type { ChatStore } from '@switchyard/store';
import { answerStructuredInput } from '../requests/structured-input.ts';
import type { Undo } from './undo.ts';
import type { RunPlan } from '../run-plan.ts';

export interface PrepareDeps {
  store: ChatStore;
  attachments: AttachmentDeps;
  now: () => string;
}

type Distribute<P> = P extends RunPlan ? Omit<P, 'runId' | 'owner' | 'threadId' | 'metadata' | 'enqueuedAt' | 'trace'> : never;
/** The request-specific part of a RunPlan; startRun adds ids, metadata and timing. */
export type RunPlanFields = Distribute<RunPlan>;

export type PreparedRequest =
  /** A run: the request's own writes (each with its inverse), the events around `stream_options`, and the worker's plan. */
  | { kind: 'run'; write: (undo: Undo) => Promise<void>; before: ThreadStreamEvent[]; after: ThreadStreamEvent[]; plan: RunPlanFields }
  /** Answered with these events and no worker (the set-up failure the reference streams, docs/protocol.md §6.7). */
  | { kind: 'only'; events: ThreadStreamEvent[] }
  /** An empty stream, nothing written (retry of an unknown item, docs/protocol.md §6.6). */
  | { kind: 'empty' };

/** A new thread's record (threads.create); it is written only after every check passed. */
export function newThread(now: () => string): ThreadMetadata {
  return { id: newId('thr'), created_at: now(), status: { type: 'active' }, metadata: {} };
}

interface NewUserMessage {
  user: UserMessageItem;
  /** The attachments as stored before the message names them (to put back on undo). */
  attachmentsBefore: Attachment[];
}

async function buildUserMessage(deps: PrepareDeps, owner: string, threadId: string, input: UserMessageInput): Promise<NewUserMessage> {
  // Unknown or foreign attachment ids fail here (404), before anything is written.
  const attachments = await Promise.all(input.attachments.map((id) => deps.store.loadAttachment(owner, id)));
  const user: UserMessageItem = {
    id: newId('msg'),
    thread_id: threadId,
    created_at: deps.now(),
    type: 'user_message',
    content: input.content,
    attachments: attachments.map((a) => ({ ...a, thread_id: threadId })),
    ...(input.quoted_text != null ? { quoted_text: input.quoted_text } : {}),
    inference_options: input.inference_options,
  };
  return { user, attachmentsBefore: attachments };
}

async function saveUserMessage(store: ChatStore, owner: string, m: NewUserMessage, undo: Undo): Promise<void> {
  // Attachments learn their thread when the message that uses them is stored (1.6.0 upsert).
  for (const [i, a] of m.user.attachments.entries()) {
    const before = m.attachmentsBefore[i]!;
    await undo.write(
      () => store.saveAttachment(owner, a),
      () => store.saveAttachment(owner, before),
    );
  }
  await undo.write(
    () => store.addItem(owner, m.user.thread_id, m.user),
    () => store.deleteThreadItem(owner, m.user.thread_id, m.user.id),
  );
}

export async function prepareRequest(
  deps: PrepareDeps,
  owner: string,
  thread: ThreadMetadata,
  req: StreamingRequest,
): Promise<PreparedRequest> {
  const { store } = deps;
  switch (req.type) {
    case 'threads.create': {
      const message = await buildUserMessage(deps, owner, thread.id, req.params.input);
      const { user } = message;
      return {
        kind: 'run',
        write: async (undo) => {
          // The thread and its first message at once (no one knows the new thread's id yet); the
          // thread is undone last, and only once both writes have settled.
          const writes = await Promise.allSettled([
            undo.write(
              () => store.saveThread(owner, thread),
              () =>
                store.deleteThread(owner, thread.id).catch((err: unknown) => (err instanceof NotFound ? undefined : Promise.reject(err))),
            ),
            saveUserMessage(store, owner, message, undo),
          ]);
          for (const w of writes) if (w.status === 'rejected') throw w.reason;
        },
        before: [
          { type: 'thread.created', thread: { ...thread, items: { data: [], has_more: false } } },
          { type: 'thread.item.done', item: await itemForWire(deps.attachments, owner, user) },
        ],
        after: [],
        plan: { request: 'threads.create', inputItemId: user.id },
      };
    }
    case 'threads.add_user_message': {
      const message = await buildUserMessage(deps, owner, thread.id, req.params.input);
      const { user } = message;
      return {
        kind: 'run',
        write: (undo) => saveUserMessage(store, owner, message, undo),
        before: [{ type: 'thread.item.done', item: await itemForWire(deps.attachments, owner, user) }],
        after: [],
        plan: { request: 'threads.add_user_message', inputItemId: user.id },
      };
    }
    case 'threads.add_client_tool_output':
      return prepareClientToolOutput(deps, owner, thread, req);
    case 'threads.add_structured_input': {
      const item = await store.loadItem(owner, thread.id, req.params.item_id);
      if (item.type !== 'structured_input') throw new BadRequest(`item ${item.id} is not a structured_input item`);
      if (item.status !== 'pending') throw new Conflict(`structured input ${item.id} is not pending (status ${item.status})`);
      const answered = answerStructuredInput(item, req.params.input);
      return {
        kind: 'run',
        write: (undo) =>
          undo.write(
            () => store.saveItem(owner, thread.id, answered),
            () => store.saveItem(owner, thread.id, item),
          ),
        before: [],
        after: [{ type: 'thread.item.replaced', item: answered }],
        plan: { request: 'threads.add_structured_input', itemId: answered.id },
      };
    }
    case 'threads.retry_after_item':
      return prepareRetry(deps, owner, thread, req);
    case 'threads.custom_action': {
      const sender = req.params.item_id ? await store.loadItem(owner, thread.id, req.params.item_id) : null;
      // The one set-up failure the reference reports in the stream (docs/protocol.md §6.7): an error, no stream_options.
      if (sender && sender.type !== 'widget')
        return { kind: 'only', events: [{ type: 'error', code: 'stream.error', allow_retry: false }] };
      return {
        kind: 'run',
        write: async () => undefined,
        before: [],
        after: [],
        plan: { request: 'threads.custom_action', action: req.params.action, senderItemId: sender?.id ?? null },
      };
    }
  }
}

async function prepareClientToolOutput(
  deps: PrepareDeps,
  owner: string,
  thread: ThreadMetadata,
  req: ChatKitRequestOf<'threads.add_client_tool_output'>,
): Promise<PreparedRequest> {
  const { store } = deps;
  const recent = (await store.loadThreadItems(owner, thread.id, { limit: 20, order: 'desc' })).data;
  const newest = recent[0];
  if (!newest || newest.type !== 'client_tool_call' || newest.status !== 'pending') {
    throw new Conflict(`thread ${thread.id} has no pending client tool call as its newest item`);
  }
  const stale = recent.slice(1).filter((i) => i.type === 'client_tool_call' && i.status === 'pending');
  return {
    kind: 'run',
    write: async (undo) => {
      // docs/protocol.md §6.4: the completed call is saved silently; the client already knows the result.
      await undo.write(
        () => store.saveItem(owner, thread.id, { ...newest, status: 'completed', output: req.params.result }),
        () => store.saveItem(owner, thread.id, newest),
      );
      for (const s of stale) {
        await undo.write(
          () => store.deleteThreadItem(owner, thread.id, s.id),
          () => store.saveItem(owner, thread.id, s),
        );
      }
    },
    before: [],
    after: [],
    plan: { request: 'threads.add_client_tool_output' },
  };
}

async function prepareRetry(
  deps: PrepareDeps,
  owner: string,
  thread: ThreadMetadata,
  req: ChatKitRequestOf<'threads.retry_after_item'>,
): Promise<PreparedRequest> {
  const { store } = deps;
  const newer: ThreadItem[] = [];
  for (let after: string | null = null; ;) {
    const page = await store.loadThreadItems(owner, thread.id, { limit: 20, order: 'desc', after });
    for (const item of page.data) {
      if (item.id !== req.params.item_id) {
        newer.push(item);
        continue;
      }
      if (item.type !== 'user_message') throw new BadRequest(`item ${item.id} is not a user message`);
      return {
        kind: 'run',
        // docs/protocol.md §6.6: delete everything newer, without removed events (the client already dropped them).
        write: async (undo) => {
          for (const n of newer) {
            // Put back with its stored blob reference (a generated image keeps its object).
            const blob = await store.loadItemBlob(owner, thread.id, n.id);
            await undo.write(
              () => store.deleteThreadItem(owner, thread.id, n.id),
              () => store.addItem(owner, thread.id, n, blob ?? undefined),
            );
          }
        },
        before: [],
        after: [],
        plan: { request: 'threads.retry_after_item', inputItemId: item.id },
      };
    }
    if (!page.has_more || !page.after) break;
    after = page.after;
  }
  // docs/protocol.md §6.6: an unknown item id is an empty stream, nothing deleted.
  return { kind: 'empty' };
}
