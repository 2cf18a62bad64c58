// The synchronous prefix of a streaming request (ARCHITECTURE §3 step 2): validate against the
// store, create the thread, persist the user item, open the run log with the first events, and
// enqueue the run. Every check that can fail runs before the first write.
import type { Queue } from 'bullmq';
import { BadRequest } from '@switchyard/errors';
import {
  eventToWire,
  newId,
  type ChatKitRequest,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageInput,
  type UserMessageItem,
} from '@switchyard/protocol';
import type { RunJobData } from '@switchyard/queues';
import type { RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';

export interface StreamingDeps {
  store: ChatStore;
  runLog: RunLog;
  runsQueue: Queue<RunJobData>;
  now?: () => string;
}

export interface StartedRun {
  runId: string;
  threadId: string;
}

async function buildUserMessage(
  deps: StreamingDeps,
  owner: string,
  threadId: string,
  input: UserMessageInput,
  createdAt: string,
): Promise<UserMessageItem> {
  const attachments = await Promise.all((input.attachments ?? []).map((id) => deps.store.loadAttachment(owner, id)));
  return {
    id: newId('msg'),
    thread_id: threadId,
    created_at: createdAt,
    type: 'user_message',
    content: input.content,
    attachments: attachments.map((a) => ({ ...a, thread_id: threadId })),
    ...(input.quoted_text != null ? { quoted_text: input.quoted_text } : {}),
    inference_options: input.inference_options ?? {},
  };
}

async function openRun(deps: StreamingDeps, owner: string, threadId: string, request: string, events: ThreadStreamEvent[], inputItemId?: string): Promise<StartedRun> {
  const runId = newId('run');
  await deps.runLog.createRun(runId, owner, threadId);
  const streamOptions: ThreadStreamEvent = { type: 'stream_options', stream_options: { allow_cancel: true } };
  await deps.runLog.append(
    runId,
    [...events, streamOptions].map((e) => ({ kind: 'event' as const, json: JSON.stringify(eventToWire(e)) })),
  );
  const data: RunJobData = { runId, owner, threadId, request, enqueuedAt: Date.now(), ...(inputItemId ? { inputItemId } : {}) };
  await deps.runsQueue.add('run', data, { jobId: runId });
  return { runId, threadId };
}

export async function startStreamingRequest(deps: StreamingDeps, owner: string, req: ChatKitRequest): Promise<StartedRun> {
  const now = () => deps.now?.() ?? new Date().toISOString();
  switch (req.type) {
    case 'threads.create': {
      const thread: ThreadMetadata = { id: newId('thr'), created_at: now(), status: { type: 'active' }, metadata: {} };
      // Attachment ids are checked before the thread exists, so a bad id leaves nothing behind.
      const user = await buildUserMessage(deps, owner, thread.id, req.params.input, now());
      await deps.store.saveThread(owner, thread);
      for (const a of user.attachments) await deps.store.saveAttachment(owner, a);
      await deps.store.addItem(owner, thread.id, user);
      return openRun(deps, owner, thread.id, req.type, [
        { type: 'thread.created', thread: { ...thread, items: { data: [], has_more: false } } },
        { type: 'thread.item.done', item: user },
      ], user.id);
    }
    case 'threads.add_user_message': {
      const thread = await deps.store.loadThread(owner, req.params.thread_id);
      const user = await buildUserMessage(deps, owner, thread.id, req.params.input, now());
      for (const a of user.attachments) await deps.store.saveAttachment(owner, a);
      await deps.store.addItem(owner, thread.id, user);
      return openRun(deps, owner, thread.id, req.type, [{ type: 'thread.item.done', item: user }], user.id);
    }
    default:
      throw new BadRequest(`request type "${req.type}" is not supported by this server yet`);
  }
}
