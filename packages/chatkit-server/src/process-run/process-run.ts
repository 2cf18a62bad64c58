// One `runs` job = one ChatKit response (PROTOCOL §6.1): run the app's generator for the request,
// persist and forward what it yields, stream `thread.updated` when the app changed the thread, map
// failures to one `error` event, and on cancel persist what the reference persists (§6.9).
import type { ResponseArgs, ResponseEvent, SwitchyardApp } from '@switchyard/app-api';
import { chatKitErrorEventOf, UpstreamRateLimited } from '@switchyard/errors';
import type { Logger } from '@switchyard/logging';
import {
  newId,
  threadToWire,
  STREAM_CANCELLED_CONTEXT,
  type Action,
  type ThreadItem,
  type ThreadMetadata,
  type UserMessageItem,
  type WidgetItem,
} from '@switchyard/protocol';
import type { RunJobData } from '@switchyard/queues';
import { RunEventSequencer, RunFencedError, type RunControl, type RunLog, type RunOutcome } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import type { ImageHandoffDeps } from './image-handoff.ts';
import { RunLogEmitter } from './run-log-emitter.ts';

export interface PipelineDeps {
  app: SwitchyardApp;
  runLog: RunLog;
  control: RunControl;
  store: ChatStore;
  images: ImageHandoffDeps;
  partialImages: number;
  logger: Logger;
  /** Gives back the thread lock and the user's run slot; runs before the terminal entry. */
  releaseReservation?: (data: RunJobData) => Promise<void>;
  /** The model provider said 429 with a retry-after: slow this worker's queue instead of hammering it. */
  onUpstreamRateLimited?: (retryAfterMs: number) => Promise<void>;
}

export type ProcessResult = RunOutcome | 'already-ended' | 'taken-over';

class RunCancelled extends Error {
  override name = 'RunCancelled';
}

function hasVisibleText(item: ThreadItem): boolean {
  return item.type === 'assistant_message' && item.content.some((c) => c.text.trim().length > 0);
}

/** The generator the request asks for: respond to a user item, continue, or run an action. */
async function* generatorFor(deps: PipelineDeps, data: RunJobData, base: ResponseArgs): AsyncGenerator<ResponseEvent> {
  const { owner, threadId } = data;
  if (data.request === 'threads.custom_action') {
    if (!deps.app.action) throw new Error(`app ${deps.app.name} has no action handler`);
    const sender = data.senderItemId ? ((await deps.store.loadItem(owner, threadId, data.senderItemId)) as WidgetItem) : null;
    yield* deps.app.action({ ...base, action: data.action as Action, sender });
    return;
  }
  const input = data.inputItemId ? ((await deps.store.loadItem(owner, threadId, data.inputItemId)) as UserMessageItem) : null;
  yield* deps.app.respond({ ...base, input });
}

/**
 * A worker taking over a run (the previous one stalled or died) regenerates the answer: items the
 * previous attempt showed the client are removed from the store and from the client's view first.
 */
async function forgetPreviousAttempt(deps: PipelineDeps, data: RunJobData, seq: RunEventSequencer, afterSeq: number): Promise<number> {
  const shown = new Set<string>();
  for (let after = afterSeq; ; ) {
    const page = await deps.runLog.read(data.runId, after, 1_000);
    for (const entry of page) {
      if (entry.kind !== 'event') continue;
      const e = JSON.parse(entry.json) as { type: string; item?: { id: string }; item_id?: string };
      if ((e.type === 'thread.item.added' || e.type === 'thread.item.done') && e.item) shown.add(e.item.id);
      if (e.type === 'thread.item.removed' && e.item_id) shown.delete(e.item_id);
    }
    if (page.length < 1_000) break;
    after = page[page.length - 1]!.seq;
  }
  for (const id of shown) {
    seq.step(() => deps.store.deleteThreadItem(data.owner, data.threadId, id));
    seq.event(JSON.stringify({ type: 'thread.item.removed', item_id: id }));
  }
  return shown.size;
}

export async function processRun(deps: PipelineDeps, data: RunJobData, jobSignal?: AbortSignal, attempt?: string): Promise<ProcessResult> {
  const { runId, owner, threadId } = data;
  const log = deps.logger.child({ runId, threadId });
  const meta = await deps.runLog.meta(runId);
  if (!meta) throw new Error(`run ${runId} has no run log (expired or never created)`);
  if (meta.endedAt !== undefined) return 'already-ended';

  const abort = new AbortController();
  const onJobAbort = () => abort.abort(new RunCancelled('worker shutting down'));
  jobSignal?.addEventListener('abort', onJobAbort, { once: true });
  const unwatch = await deps.control.watch(runId, (req) => abort.abort(new RunCancelled(req.reason)));

  log.info({ request: data.request, waitedMs: Date.now() - data.enqueuedAt }, 'run started');
  const fence = attempt ?? newId('run');
  const claim = await deps.runLog.claim(runId, fence);
  const seq = new RunEventSequencer(deps.runLog, runId, { fence });
  if (claim.previousFence !== null && claim.seq > claim.prefixEnd) {
    const removed = await forgetPreviousAttempt(deps, data, seq, claim.prefixEnd);
    log.warn({ removed, previousSeq: claim.seq }, 'took over a run from a stalled worker; regenerating');
  }
  // The next request on this thread may arrive the moment the client sees the end: free it first.
  const release = async () => {
    await deps.releaseReservation?.(data);
  };
  const emitter = new RunLogEmitter(
    { runId, owner, threadId, partialImages: deps.partialImages, coalesceTextDeltas: deps.app.coalesceTextDeltas ?? true },
    seq,
    deps.store,
    deps.images,
  );
  let thread: ThreadMetadata = await deps.store.loadThread(owner, threadId);
  let snapshot = JSON.stringify(thread);
  const threadChanged = () => {
    const now = JSON.stringify(thread);
    if (now === snapshot) return;
    snapshot = now;
    const saved: ThreadMetadata = structuredClone(thread);
    seq.step(() => deps.store.saveThread(owner, saved));
    seq.event(JSON.stringify({ type: 'thread.updated', thread: threadToWire(saved) }));
  };

  const args: ResponseArgs = {
    thread,
    context: { owner, metadata: data.metadata ?? {}, runId },
    items: {
      loadItems: async (limit = 400) => (await deps.store.loadThreadItems(owner, threadId, { limit, order: 'desc' })).data.reverse(),
      loadItem: (itemId) => deps.store.loadItem(owner, threadId, itemId),
    },
    newId: (prefix) => newId(prefix),
    signal: abort.signal,
  };

  let outcome: RunOutcome = 'completed';
  // One promise for the whole run: a cancel interrupts the app even while it awaits something.
  const aborted = new Promise<never>((_, reject) => {
    if (abort.signal.aborted) reject(abort.signal.reason);
    abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  const events = generatorFor(deps, data, args)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([events.next(), aborted]);
      if (next.done) break;
      const ev = next.value;
      if (ev.type === 'switchyard.image_frame') emitter.imageFrame(ev);
      else emitter.event(ev);
      thread = args.thread;
      threadChanged();
    }
    threadChanged();
    seq.step(release);
    await seq.end({ outcome: 'completed' });
  } catch (err) {
    if (err instanceof RunFencedError || seq.failed instanceof RunFencedError) {
      // Another worker owns the run now; anything this attempt still writes would contradict it.
      log.warn('run taken over by another worker; stopping this attempt');
      abort.abort(new RunCancelled('taken over'));
      void events.return?.(undefined).catch(() => undefined);
      unwatch();
      return 'taken-over';
    }
    if (abort.signal.aborted) {
      outcome = 'cancelled';
      // Let the app's generator run its cleanup (the agent run sees the aborted signal).
      void events.return?.(undefined).catch(() => undefined);
      log.info({ reason: (abort.signal.reason as Error)?.message }, 'run cancelled');
      // §6.9: keep pending assistant text the user saw, then tell the model the turn was cut.
      for (const item of emitter.pending.values()) {
        if (hasVisibleText(item)) seq.step(() => deps.store.addItem(owner, threadId, item));
      }
      const note: ThreadItem = { id: newId('shcx'), thread_id: threadId, created_at: new Date().toISOString(), type: 'sdk_hidden_context', content: STREAM_CANCELLED_CONTEXT };
      seq.step(() => deps.store.addItem(owner, threadId, note));
      seq.step(release);
      await seq.end({ outcome: 'cancelled', reason: (abort.signal.reason as Error)?.message ?? 'cancelled' });
    } else {
      outcome = 'failed';
      log.error({ err, failure: (err as { failure?: unknown }).failure }, 'run failed');
      if (err instanceof UpstreamRateLimited && err.retryAfterSeconds !== undefined) {
        await deps.onUpstreamRateLimited?.(err.retryAfterSeconds * 1000).catch(() => undefined);
      }
      const errorEvent = JSON.stringify(chatKitErrorEventOf(err));
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (!seq.failed) {
        seq.event(errorEvent);
        thread = args.thread;
        threadChanged();
        seq.step(release);
        await seq.end({ outcome: 'failed', reason });
      } else {
        // The sequencer itself broke (Redis or a step): write the error and the end directly.
        await release().catch(() => undefined);
        await deps.runLog.append(runId, [
          { kind: 'event', json: errorEvent },
          { kind: 'end', end: { outcome: 'failed', reason } },
        ]);
      }
    }
  } finally {
    unwatch();
    jobSignal?.removeEventListener('abort', onJobAbort);
  }
  log.info({ outcome, appends: seq.stats.appends, entries: seq.stats.entries, coalesced: seq.stats.coalescedDeltas }, 'run finished');
  return outcome;
}
