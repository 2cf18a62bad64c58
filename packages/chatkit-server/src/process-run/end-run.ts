// The last step of processing a run: one of three endings, each written after everything the run
// pushed before it, each giving back the reservation before the terminal entry (the next request on
// the thread may come the moment the client sees the end).
import { chatKitErrorEventOf } from '@switchyard/errors';
import { newId, STREAM_CANCELLED_CONTEXT, type ThreadItem } from '@switchyard/protocol';
import { RunFencedError, type RunEventSequencer, type RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import type { RunPlan } from '../run-plan.ts';
import type { RunReservation } from '../run-reservation.ts';
import type { FencedItems } from './fenced-items.ts';
import type { RunLogEmitter } from './run-log-emitter.ts';

export interface Ending {
  plan: RunPlan;
  seq: RunEventSequencer;
  store: ChatStore;
  runLog: RunLog;
  reservation: RunReservation;
  items: FencedItems;
}

const releaseStep = (e: Ending) => e.seq.step(() => e.reservation.release());

function hasVisibleText(item: ThreadItem): boolean {
  return item.type === 'assistant_message' && item.content.some((c) => c.text.trim().length > 0);
}

export async function endCompleted(e: Ending): Promise<void> {
  releaseStep(e);
  await e.seq.end({ outcome: 'completed' });
}

/** docs/protocol.md §6.9: keep pending assistant text the user saw, then tell the model the turn was cut. */
export async function endCancelled(e: Ending, emitter: RunLogEmitter, reason: string): Promise<void> {
  const { threadId } = e.plan;
  // Kept without a done event: noted under the fence first (fenced-items.ts), like any item no entry shows.
  for (const item of emitter.pending.values()) {
    if (hasVisibleText(item)) e.seq.step(() => e.items.saveHidden(item));
  }
  const note: ThreadItem = {
    id: newId('shcx'),
    thread_id: threadId,
    created_at: new Date().toISOString(),
    type: 'sdk_hidden_context',
    content: STREAM_CANCELLED_CONTEXT,
  };
  e.seq.step(() => e.items.saveHidden(note));
  releaseStep(e);
  await e.seq.end({ outcome: 'cancelled', reason });
}

const reasonOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * One `error` event (docs/protocol.md §4.11) and the end. `beforeEnd` runs after the error event (the
 * app's last thread changes). When the sequencer itself broke (Redis or a step failed) the error and
 * the end are appended directly, under the attempt's fence, with a `thread.item.removed` for each
 * item whose done event may have reached the client but that was never stored.
 */
export async function endFailed(e: Ending, err: unknown, beforeEnd: () => void): Promise<void> {
  const errorEvent = JSON.stringify(chatKitErrorEventOf(err));
  if (!e.seq.failed) {
    e.seq.event(errorEvent);
    beforeEnd();
    releaseStep(e);
    await e.seq.end({ outcome: 'failed', reason: reasonOf(err) });
    return;
  }
  // Not ours to give back if another attempt owns the run now (its reservation has the same holder id).
  if (!(await e.runLog.owns(e.plan.runId, e.items.fence))) throw new RunFencedError(`run ${e.plan.runId} is owned by another attempt`);
  await e.reservation.release().catch(() => undefined);
  const removed = [...e.items.shownUnsaved].map((id) => ({
    kind: 'event' as const,
    json: JSON.stringify({ type: 'thread.item.removed', item_id: id }),
  }));
  await e.runLog.append(
    e.plan.runId,
    [...removed, { kind: 'event', json: errorEvent }, { kind: 'end', end: { outcome: 'failed', reason: reasonOf(err) } }],
    // Sent again after a lost reply, the same call appends nothing.
    { fence: e.items.fence, batchToken: `${e.items.fence}:failed` },
  );
}
