// Step 1 of processing a run: claim it with this attempt's fence. A worker taking over a run (the
// previous one stalled, died or handed it off) continues the previous attempt's model response when
// it left a resume point (docs/resume.md), and otherwise regenerates the answer: items the previous
// attempt showed the client are removed from the store and from the client's view first, and items
// it saved without showing them (noted in the run's meta, fenced-items.ts) are deleted
// (docs/architecture.md §6).
import type { ResumePoint, RunEventSequencer, RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import type { RunPlan } from '../run-plan.ts';

const PAGE = 1_000;

/** Items the client was shown after the prefix and not told to forget. */
async function shownItems(runLog: RunLog, runId: string, afterSeq: number): Promise<Set<string>> {
  const shown = new Set<string>();
  for (let after = afterSeq; ;) {
    const page = await runLog.read(runId, after, PAGE);
    for (const entry of page) {
      if (entry.kind !== 'event') continue;
      const e = JSON.parse(entry.json) as { type: string; item?: { id: string }; item_id?: string };
      if ((e.type === 'thread.item.added' || e.type === 'thread.item.done') && e.item) shown.add(e.item.id);
      if (e.type === 'thread.item.removed' && e.item_id) shown.delete(e.item_id);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.seq;
  }
  return shown;
}

export interface TakeOver {
  previousSeq: number;
  prefixEnd: number;
  /** Where the previous attempt's model response can be continued; null: regenerate. */
  resumePoint: ResumePoint | null;
}

/** Claims the run; null on a first attempt, else what the previous attempts left. */
export async function claimRun(deps: { runLog: RunLog }, plan: RunPlan, fence: string): Promise<TakeOver | null> {
  const claim = await deps.runLog.claim(plan.runId, fence);
  if (claim.previousFence === null) return null;
  return { previousSeq: claim.seq, prefixEnd: claim.prefixEnd, resumePoint: claim.resumePoint };
}

/**
 * Takes back what earlier attempts made, before this attempt answers from scratch; returns how
 * many shown items were queued for removal.
 */
export async function undoEarlierAttempts(
  deps: { runLog: RunLog; store: ChatStore },
  plan: RunPlan,
  fence: string,
  seq: RunEventSequencer,
  takeOver: TakeOver,
): Promise<number> {
  const claim = { seq: takeOver.previousSeq, prefixEnd: takeOver.prefixEnd };
  // Nothing before this point can be continued any more: the answer is made again.
  if (takeOver.resumePoint) seq.step(() => deps.runLog.saveResumePoint(plan.runId, fence, null));
  // Items a previous attempt saved that no entry shows (hidden, kept on cancel): gone without an event.
  for (const id of await deps.runLog.notedItems(plan.runId)) {
    seq.step(() => deps.store.deleteThreadItem(plan.owner, plan.threadId, id));
  }
  if (claim.seq <= claim.prefixEnd) return 0;
  const shown = await shownItems(deps.runLog, plan.runId, claim.prefixEnd);
  for (const id of shown) {
    // Noted first: if this attempt dies between telling the client and deleting, the next attempt
    // (or the ending of an abandoned run) still deletes it; then the log, then the store.
    seq.step(() => deps.runLog.noteSavedItem(plan.runId, fence, id));
    seq.event(JSON.stringify({ type: 'thread.item.removed', item_id: id }));
    seq.step(() => deps.store.deleteThreadItem(plan.owner, plan.threadId, id));
  }
  return shown.size;
}
