// Ending a run nobody will end: its job failed for good (before its attempt could claim the run, after
// its third stall, on an unexpected throw) or no longer exists. One `error` event the client may retry
// on, the end, and the reservation given back. Written without a fence: the run is over whichever
// attempt owned it, and any attempt still writing is refused by the ended log from here on.
import type { Limits } from '@switchyard/limits';
import { RunEndedError, type RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import { RunReservation } from './run-reservation.ts';

export type AbandonedRunResult = 'ended' | 'already-ended' | 'gone';

/**
 * With `store`, items the run's attempts noted (saved without a log entry showing them, or being
 * removed by a take-over that did not get to delete them) are deleted first: an abandoned run keeps
 * only what its client was shown.
 */
export async function endAbandonedRun(
  deps: { runLog: RunLog; limits: Limits; store?: ChatStore },
  runId: string,
  reason: string,
): Promise<AbandonedRunResult> {
  const meta = await deps.runLog.meta(runId);
  if (!meta) return 'gone';
  if (meta.endedAt !== undefined) return 'already-ended';
  if (deps.store) for (const id of await deps.runLog.notedItems(runId)) await deps.store.deleteThreadItem(meta.owner, meta.threadId, id);
  // Before the end, as every ending does: the next request on the thread may come the moment the client sees it.
  await RunReservation.held(deps.limits, { runId, owner: meta.owner, threadId: meta.threadId }).release();
  try {
    await deps.runLog.append(
      runId,
      [
        { kind: 'event', json: JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true }) },
        { kind: 'end', end: { outcome: 'failed', reason } },
      ],
      // Sent again after a lost reply, the same call appends nothing (and an ended log refuses it anyway).
      { batchToken: `abandoned:${runId}` },
    );
  } catch (err) {
    if (err instanceof RunEndedError) return 'already-ended';
    throw err;
  }
  return 'ended';
}
