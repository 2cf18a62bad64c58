// Starting a run: the synchronous prefix of every streaming request (docs/architecture.md §3 step 2),
// in four steps — find the thread, reserve (RunReservation), check and write (prepare.ts) while the
// run log is created, append the opening entries and enqueue (open-run.ts). A failure at any step
// takes back what the request wrote (undo.ts), gives back the reservation and ends a run log it
// opened: the client gets an error, and the store, the thread lock and the user's run slots are as
// the request found them.
import type { Queue } from 'bullmq';
import type { AttachmentDeps } from '@switchyard/attachments';
import type { RequestContext, SwitchyardApp } from '@switchyard/app-api';
import type { Limits } from '@switchyard/limits';
import { newId, type StreamingRequest, type ThreadMetadata } from '@switchyard/protocol';
import type { RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import { RunReservation } from '../run-reservation.ts';
import type { RunPlan } from '../run-plan.ts';
import { createRunLog, openRun, writeWholeRun } from './open-run.ts';
import { newThread, prepareRequest } from './prepare.ts';
import { Undo } from './undo.ts';

export interface StartRunDeps {
  store: ChatStore;
  runLog: RunLog;
  runsQueue: Queue<RunPlan>;
  app: SwitchyardApp;
  attachments: AttachmentDeps;
  limits: Limits;
  /** How long a streaming request on a busy thread waits for the running response (0 = refuse at once). */
  threadBusyWaitMs?: number;
  now?: () => string;
  /** A failure while giving back after a failed start (the original error is what the client gets). */
  onCleanupError?: (err: unknown, runId: string) => void;
}

/** A run was started, or (retry of an unknown item) the answer is an empty stream. */
export type StartedRun = { runId: string; threadId: string } | { runId: null; threadId: string };

export async function startRun(deps: StartRunDeps, owner: string, req: StreamingRequest): Promise<StartedRun> {
  const now = deps.now ?? (() => new Date().toISOString());
  const context: RequestContext = { owner, metadata: req.metadata as Record<string, unknown> };
  // Step 1: the thread (an unknown thread is a 404 before a busy one is a 409).
  const thread: ThreadMetadata = req.type === 'threads.create' ? newThread(now) : await deps.store.loadThread(owner, req.params.thread_id);
  const runId = newId('run');
  // Step 2: one active run per thread, one of the owner's run slots.
  const reservation = await RunReservation.acquire(
    deps.limits,
    { owner, threadId: thread.id, runId },
    { threadBusyWaitMs: deps.threadBusyWaitMs ?? 0 },
  );
  let logOpened = false;
  const undo = new Undo();
  try {
    // Step 3: every check, then the request's own writes.
    const prepared = await prepareRequest({ store: deps.store, attachments: deps.attachments, now }, owner, thread, req);
    if (prepared.kind === 'empty') {
      await reservation.release();
      return { runId: null, threadId: thread.id };
    }
    if (prepared.kind === 'only') {
      // No worker will run it: the reservation goes back before the events are written.
      await reservation.release();
      await createRunLog(deps, runId, owner, thread.id);
      logOpened = true;
      await writeWholeRun(deps, runId, prepared.events);
      return { runId, threadId: thread.id };
    }
    // The request's writes (MongoDB) and the run log's creation (Redis) at once; each is taken back
    // if either fails. Every write has settled before anything is taken back.
    const [wrote, created] = await Promise.allSettled([prepared.write(undo), createRunLog(deps, runId, owner, thread.id)]);
    logOpened = created.status === 'fulfilled';
    if (wrote.status === 'rejected') throw wrote.reason;
    if (created.status === 'rejected') throw created.reason;
    // Step 4: the run's opening entries and the job; from here the worker owns the reservation.
    await openRun(deps, {
      runId,
      owner,
      thread,
      context: { ...context, runId },
      before: prepared.before,
      after: prepared.after,
      plan: prepared.plan,
    });
    return { runId, threadId: thread.id };
  } catch (err) {
    await undo.run((e) => deps.onCleanupError?.(e, runId));
    await giveBack(deps, reservation, runId, logOpened, err);
    throw err;
  }
}

async function giveBack(deps: StartRunDeps, reservation: RunReservation, runId: string, logOpened: boolean, cause: unknown): Promise<void> {
  try {
    await reservation.release();
  } catch (err) {
    deps.onCleanupError?.(err, runId);
  }
  if (!logOpened) return;
  // Nobody will run it: end the log so an attach (or a re-attach) closes instead of waiting.
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  try {
    await deps.runLog.append(runId, [{ kind: 'end', end: { outcome: 'failed', reason: `start failed: ${reason}` } }], {
      batchToken: `refused:${runId}`,
    });
  } catch (err) {
    deps.onCleanupError?.(err, runId);
  }
}
