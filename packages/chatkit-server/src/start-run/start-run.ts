// The synchronous prefix of every streaming request (ARCHITECTURE §3 step 2, PROTOCOL §6.2–6.7):
// validate against the store, make the request's own writes, open the run log with the first
// events and enqueue the run. Every check that can fail runs before the first write, so bad input
// gets a JSON error (where the reference aborts the stream) and changes nothing.
import type { Queue } from 'bullmq';
import type { RequestContext, SwitchyardApp } from '@switchyard/app-api';
import { BadRequest, Conflict } from '@switchyard/errors';
import {
  eventToWire,
  newId,
  type ChatKitRequestOf,
  type StreamingRequest,
  type StructuredInputSubmission,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageInput,
  type UserMessageItem,
} from '@switchyard/protocol';
import type { Limits } from '@switchyard/limits';
import { jobSpanAttributes, RUNS_QUEUE, type RunJobData } from '@switchyard/queues';
import { currentTraceCarrier, inSpan, SpanKind } from '@switchyard/tracing';
import { itemForWire, type AttachmentDeps } from './attachments/index.ts';
import type { RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';

export interface StreamingDeps {
  store: ChatStore;
  runLog: RunLog;
  runsQueue: Queue<RunJobData>;
  app: SwitchyardApp;
  attachments: AttachmentDeps;
  limits: Limits;
  /** How long a streaming request on a busy thread waits for the running response (0 = refuse at once). */
  threadBusyWaitMs?: number;
  now?: () => string;
}

/** A run was started, or (retry of an unknown item) the answer is an empty stream. */
export type StartedRun = { runId: string; threadId: string } | { runId: null; threadId: string };

type StructuredInputItem = Extract<ThreadItem, { type: 'structured_input' }>;

async function buildUserMessage(
  deps: StreamingDeps,
  owner: string,
  threadId: string,
  input: UserMessageInput,
  createdAt: string,
): Promise<UserMessageItem> {
  const attachments = await Promise.all(input.attachments.map((id) => deps.store.loadAttachment(owner, id)));
  return {
    id: newId('msg'),
    thread_id: threadId,
    created_at: createdAt,
    type: 'user_message',
    content: input.content,
    attachments: attachments.map((a) => ({ ...a, thread_id: threadId })),
    ...(input.quoted_text != null ? { quoted_text: input.quoted_text } : {}),
    inference_options: input.inference_options,
  };
}

async function saveUserMessage(deps: StreamingDeps, owner: string, user: UserMessageItem): Promise<void> {
  // Attachments learn their thread when the message that uses them is stored (1.6.0 upsert).
  for (const a of user.attachments) await deps.store.saveAttachment(owner, a);
  await deps.store.addItem(owner, user.thread_id, user);
}

interface RunPlan {
  before?: ThreadStreamEvent[];
  after?: ThreadStreamEvent[];
  job?: Partial<Pick<RunJobData, 'inputItemId' | 'action' | 'senderItemId'>>;
  /** Answer with these events and end, without a worker (set-up outcomes the reference streams). */
  only?: ThreadStreamEvent[];
}

/**
 * Reserves the thread (one active run) and one of the user's run slots before anything is
 * written; the worker releases both when the run ends (leases expire if it dies).
 */
async function reserve(deps: StreamingDeps, owner: string, threadId: string, runId: string): Promise<void> {
  await deps.limits.acquireThread(threadId, runId, deps.threadBusyWaitMs ?? 0);
  try {
    await deps.limits.acquireRunSlot(owner, runId);
  } catch (err) {
    await deps.limits.releaseThread(threadId, runId);
    throw err;
  }
}

async function release(deps: StreamingDeps, owner: string, threadId: string, runId: string): Promise<void> {
  await deps.limits.releaseRunSlot(owner, runId);
  await deps.limits.releaseThread(threadId, runId);
}

async function openRun(deps: StreamingDeps, owner: string, thread: ThreadMetadata, req: StreamingRequest, plan: RunPlan, runId = newId('run')): Promise<StartedRun> {
  const context: RequestContext = { owner, metadata: req.metadata as Record<string, unknown>, runId };
  const traceparent = currentTraceCarrier()?.traceparent;
  await deps.runLog.createRun(runId, owner, thread.id, traceparent ? { traceparent } : {});
  const toEntry = (e: ThreadStreamEvent) => ({ kind: 'event' as const, json: JSON.stringify(eventToWire(e)) });
  if (plan.only) {
    await deps.runLog.append(runId, [...plan.only.map(toEntry), { kind: 'end', end: { outcome: 'completed' } }]);
    return { runId, threadId: thread.id };
  }
  const streamOptions: ThreadStreamEvent = {
    type: 'stream_options',
    stream_options: deps.app.streamOptions?.({ thread, context }) ?? { allow_cancel: true },
  };
  const prefix = [...(plan.before ?? []), streamOptions, ...(plan.after ?? [])];
  const first = await deps.runLog.append(runId, prefix.map(toEntry));
  await deps.runLog.markPrefixEnd(runId, first + prefix.length - 1);
  const data: RunJobData = {
    runId,
    owner,
    threadId: thread.id,
    request: req.type,
    enqueuedAt: Date.now(),
    metadata: context.metadata,
    ...plan.job,
  };
  await inSpan('publish runs', { kind: SpanKind.PRODUCER, attributes: jobSpanAttributes(RUNS_QUEUE, runId, { runId, threadId: thread.id }) }, async () => {
    const trace = currentTraceCarrier();
    await deps.runsQueue.add('run', trace ? { ...data, trace } : data, { jobId: runId });
  });
  return { runId, threadId: thread.id };
}

/** §6.5: answers per question, the reference's rules for skipped, missing and single choice. */
export function answerStructuredInput(item: StructuredInputItem, submission: StructuredInputSubmission): StructuredInputItem {
  const inputs = item.inputs.map((q) => {
    const a = submission.answers[q.id];
    if (submission.status === 'skipped' || !a || a.skipped || a.values.length === 0) {
      return { ...q, answer: { values: [], skipped: true } };
    }
    const values = q.type === 'multiple_choice' && !q.multiple ? a.values.slice(0, 1) : a.values;
    return { ...q, answer: { values, skipped: false } };
  });
  return { ...item, status: submission.status, inputs };
}

export async function startStreamingRequest(deps: StreamingDeps, owner: string, req: StreamingRequest): Promise<StartedRun> {
  if (req.type === 'threads.create') return setUp(deps, owner, req, newId('run'));
  // Existing threads: look the thread up first (404 wins over 409), then reserve before any write.
  const thread = await deps.store.loadThread(owner, req.params.thread_id);
  const runId = newId('run');
  await reserve(deps, owner, thread.id, runId);
  try {
    const started = await setUp(deps, owner, req, runId);
    if (started.runId === null || started.runId !== runId) await release(deps, owner, thread.id, runId);
    return started;
  } catch (err) {
    await release(deps, owner, thread.id, runId);
    throw err;
  }
}

async function setUp(deps: StreamingDeps, owner: string, req: StreamingRequest, runId: string): Promise<StartedRun> {
  const now = () => deps.now?.() ?? new Date().toISOString();
  const { store } = deps;
  switch (req.type) {
    case 'threads.create': {
      const thread: ThreadMetadata = { id: newId('thr'), created_at: now(), status: { type: 'active' }, metadata: {} };
      // Attachment ids are checked before the thread exists, so a bad id leaves nothing behind.
      const user = await buildUserMessage(deps, owner, thread.id, req.params.input, now());
      await deps.limits.acquireRunSlot(owner, runId);
      await deps.limits.acquireThread(thread.id, runId);
      await store.saveThread(owner, thread);
      await saveUserMessage(deps, owner, user);
      return openRun(deps, owner, thread, req, {
        before: [
          { type: 'thread.created', thread: { ...thread, items: { data: [], has_more: false } } },
          { type: 'thread.item.done', item: await itemForWire(deps.attachments, owner, user) },
        ],
        job: { inputItemId: user.id },
      }, runId);
    }
    case 'threads.add_user_message': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const user = await buildUserMessage(deps, owner, thread.id, req.params.input, now());
      await saveUserMessage(deps, owner, user);
      return openRun(deps, owner, thread, req, {
        before: [{ type: 'thread.item.done', item: await itemForWire(deps.attachments, owner, user) }],
        job: { inputItemId: user.id },
      }, runId);
    }
    case 'threads.add_client_tool_output':
      return addClientToolOutput(deps, owner, req, runId);
    case 'threads.add_structured_input': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const item = await store.loadItem(owner, thread.id, req.params.item_id);
      if (item.type !== 'structured_input') throw new BadRequest(`item ${item.id} is not a structured_input item`);
      if (item.status !== 'pending') throw new Conflict(`structured input ${item.id} is not pending (status ${item.status})`);
      const answered = answerStructuredInput(item, req.params.input);
      await store.saveItem(owner, thread.id, answered);
      return openRun(deps, owner, thread, req, { after: [{ type: 'thread.item.replaced', item: answered }] }, runId);
    }
    case 'threads.retry_after_item':
      return retryAfterItem(deps, owner, req, runId);
    case 'threads.custom_action': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const sender = req.params.item_id ? await store.loadItem(owner, thread.id, req.params.item_id) : null;
      if (sender && sender.type !== 'widget') {
        // The one set-up failure the reference reports in the stream (§6.7): an error, no stream_options.
        // No worker will run it, so the reservation goes back at once (a fresh run id marks that).
        return openRun(deps, owner, thread, req, { only: [{ type: 'error', code: 'stream.error', allow_retry: false }] });
      }
      return openRun(deps, owner, thread, req, { job: { action: req.params.action, ...(sender ? { senderItemId: sender.id } : {}) } }, runId);
    }
  }
}

async function addClientToolOutput(deps: StreamingDeps, owner: string, req: ChatKitRequestOf<'threads.add_client_tool_output'>, runId: string): Promise<StartedRun> {
  const thread = await deps.store.loadThread(owner, req.params.thread_id);
  const recent = (await deps.store.loadThreadItems(owner, thread.id, { limit: 20, order: 'desc' })).data;
  const newest = recent[0];
  if (!newest || newest.type !== 'client_tool_call' || newest.status !== 'pending') {
    throw new Conflict(`thread ${thread.id} has no pending client tool call as its newest item`);
  }
  // §6.4: the completed call is saved silently; the client already knows the result.
  await deps.store.saveItem(owner, thread.id, { ...newest, status: 'completed', output: req.params.result });
  for (const stale of recent.slice(1)) {
    if (stale.type === 'client_tool_call' && stale.status === 'pending') await deps.store.deleteThreadItem(owner, thread.id, stale.id);
  }
  return openRun(deps, owner, thread, req, {}, runId);
}

async function retryAfterItem(deps: StreamingDeps, owner: string, req: ChatKitRequestOf<'threads.retry_after_item'>, runId: string): Promise<StartedRun> {
  const thread = await deps.store.loadThread(owner, req.params.thread_id);
  const newer: ThreadItem[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await deps.store.loadThreadItems(owner, thread.id, { limit: 20, order: 'desc', after });
    for (const item of page.data) {
      if (item.id !== req.params.item_id) {
        newer.push(item);
        continue;
      }
      if (item.type !== 'user_message') throw new BadRequest(`item ${item.id} is not a user message`);
      // §6.6: delete everything newer, without removed events (the client already dropped them).
      for (const n of newer) await deps.store.deleteThreadItem(owner, thread.id, n.id);
      return openRun(deps, owner, thread, req, { job: { inputItemId: item.id } }, runId);
    }
    if (!page.has_more || !page.after) break;
    after = page.after;
  }
  // §6.6: an unknown item id is an empty stream, nothing deleted.
  return { runId: null, threadId: thread.id };
}
