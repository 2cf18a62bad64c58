// The last step of processing a run: one of three endings, each written after everything the run
// pushed before it, each giving back the reservation before the terminal entry (the next request on
// the thread may come the moment the client sees the end).
import { chatKitErrorEventOf } from '@switchyard/errors';
import { newId, STREAM_CANCELLED_CONTEXT, type ThreadItem } from '@switchyard/protocol';
import type { RunEventSequencer, RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import type { RunPlan } from '../run-plan.ts';
import type { RunReservation } from '../run-reservation.ts';
import type { RunLogEmitter } from './run-log-emitter.ts';

export interface Ending {
  plan: RunPlan;
  seq: RunEventSequencer;
  store: ChatStore;
  runLog: RunLog;
  reservation: RunReservation;
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
  const { owner, threadId } = e.plan;
  for (const item of emitter.pending.values()) {
    if (hasVisibleText(item)) e.seq.step(() => e.store.addItem(owner, threadId, item));
  }
  const note: ThreadItem = {
    id: newId('shcx'),
    thread_id: threadId,
    created_at: new Date().toISOString(),
    type: 'sdk_hidden_context',
    content: STREAM_CANCELLED_CONTEXT,
  };
  e.seq.step(() => e.store.addItem(owner, threadId, note));
  releaseStep(e);
  await e.seq.end({ outcome: 'cancelled', reason });
}

const reasonOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * One `error` event (docs/protocol.md §4.11) and the end. `beforeEnd` runs after the error event (the
 * app's last thread changes). When the sequencer itself broke (Redis or a step failed) the error and
 * the end are appended directly.
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
  await e.reservation.release().catch(() => undefined);
  await e.runLog.append(e.plan.runId, [
    { kind: 'event', json: errorEvent },
    { kind: 'end', end: { outcome: 'failed', reason: reasonOf(err) } },
  ]);
}
