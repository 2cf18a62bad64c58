// Processing a run: one `runs` job = one ChatKit response (docs/protocol.md §6.1). The steps, each in
// its own file: claim and forget a previous attempt (take-over.ts), run the app's generator
// (response-generator.ts), persist and forward what it yields (run-log-emitter.ts, image-handoff.ts,
// thread-changes.ts), and end completed, cancelled or failed (end-run.ts).
import type { ModelResponseEvent, ResponseArgs, ResumeFrom, SwitchyardApp } from '@switchyard/app-api';
import { ResumeUnavailable, UpstreamRateLimited } from '@switchyard/errors';
import type { Limits } from '@switchyard/limits';
import type { Logger } from '@switchyard/logging';
import { newId, type ThreadItem, type ThreadMetadata } from '@switchyard/protocol';
import {
  formatCheckpoint,
  RunEndedError,
  RunEventSequencer,
  RunFencedError,
  RunLogMissingError,
  type ResumePoint,
  type RunControl,
  type RunLog,
  type RunOutcome,
} from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import { InvalidRunPlan, RunCancelled, RunHandedOff } from '../errors.ts';
import { parseRunPlan, type RunPlan } from '../run-plan.ts';
import { RunReservation } from '../run-reservation.ts';
import { endCancelled, endCompleted, endFailed, type Ending } from './end-run.ts';
import { FencedItems } from './fenced-items.ts';
import type { ImageHandoffDeps } from './image-handoff.ts';
import { responseGenerator } from './response-generator.ts';
import { RunLogEmitter } from './run-log-emitter.ts';
import { claimRun, undoEarlierAttempts, type TakeOver } from './take-over.ts';
import { ThreadChanges } from './thread-changes.ts';
import { ThreadReads } from './thread-reads.ts';

export interface ProcessRunDeps {
  app: SwitchyardApp;
  runLog: RunLog;
  control: RunControl;
  store: ChatStore;
  /** Where the run's reservation (thread lock, run slot) is given back when it ends. */
  limits: Limits;
  images: ImageHandoffDeps;
  partialImages: number;
  logger: Logger;
  /** The model provider said 429 with a retry-after: slow this worker's queue instead of hammering it. */
  onUpstreamRateLimited?: (retryAfterMs: number) => Promise<void>;
  /** A run was taken over: its model response continued, or its answer made again (docs/resume.md). */
  onTakeOver?: (path: 'resumed' | 'regenerated') => void;
}

export interface ProcessRunOptions {
  /**
   * Aborted when the worker hands the run off (its drain time is over): the attempt stops writing
   * and returns 'handed-off', and the worker puts the job back for another worker, which takes the
   * run over (docs/operations.md, draining).
   */
  signal?: AbortSignal;
  /** This attempt's fence (the job's lock token); a fresh id when absent. */
  attempt?: string;
}

export type ProcessResult = RunOutcome | 'already-ended' | 'taken-over' | 'handed-off';

/**
 * The job's data as it came off the queue, validated: the worker never trusts its shape. A job that
 * is not a RunPlan ends the run it names (so its client is not left waiting) and is refused.
 */
export async function readRunPlan(deps: Pick<ProcessRunDeps, 'runLog' | 'logger'>, data: unknown): Promise<RunPlan> {
  try {
    return parseRunPlan(data);
  } catch (err) {
    if (err instanceof InvalidRunPlan) await endUnreadableRun(deps, data, err);
    throw err;
  }
}

/** A job that is not a RunPlan still names its run: end it, so the client is not left waiting. */
async function endUnreadableRun(deps: Pick<ProcessRunDeps, 'runLog' | 'logger'>, data: unknown, err: InvalidRunPlan): Promise<void> {
  const runId = (data as { runId?: unknown } | null)?.runId;
  if (typeof runId !== 'string' || !(await deps.runLog.meta(runId).catch(() => null))) return;
  deps.logger.error({ runId, issues: err.issues }, 'run job is not a valid RunPlan; ending the run');
  await deps.runLog
    .append(
      runId,
      [
        { kind: 'event', json: JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true }) },
        { kind: 'end', end: { outcome: 'failed', reason: err.message } },
      ],
      { batchToken: `unreadable:${runId}` },
    )
    .catch(() => undefined);
}

/** What a resume point holds: the app's state and the pipeline's (items added and not done). */
interface SavedResumeState {
  app: string;
  pending: ThreadItem[];
}

/** A resume point being continued: what the app is given, and how many of its events the client has. */
interface Resume {
  from: ResumeFrom;
  delivered: number;
}

function resumeFrom(point: ResumePoint, emitter: RunLogEmitter): Resume {
  const saved = JSON.parse(point.state) as SavedResumeState;
  for (const item of saved.pending) emitter.pending.set(item.id, item);
  return { from: { responseId: point.responseId, state: saved.app }, delivered: point.delivered };
}

/** The attempt's write was refused because another attempt owns the run or the run was ended without it. */
const lostTheRun = (err: unknown) => err instanceof RunFencedError || err instanceof RunEndedError;

/**
 * An ending that cannot be written (Redis gone) still gives the reservation back, unless another
 * attempt owns the run: its reservation has the same holder id and is not this attempt's to give.
 * Returns false when the run turned out to be lost to another attempt while ending.
 */
async function giveBackIfEndFails(ending: Ending, end: () => Promise<void>): Promise<boolean> {
  try {
    await end();
    return true;
  } catch (err) {
    if (lostTheRun(err)) return false;
    await ending.reservation.release().catch(() => undefined);
    throw err;
  }
}

/** Another attempt took the run over while this one was ending it: nothing of this attempt's ending stands. */
function takenOverWhileEnding(log: ProcessRunDeps['logger']): 'taken-over' {
  log.warn('run taken over by another worker; stopping this attempt');
  return 'taken-over';
}

export async function processRun(deps: ProcessRunDeps, plan: RunPlan, opts: ProcessRunOptions = {}): Promise<ProcessResult> {
  const { runId, owner, threadId } = plan;
  const log = deps.logger.child({ runId, threadId });
  const reservation = RunReservation.held(deps.limits, plan);
  if (opts.signal?.aborted) return 'handed-off';

  const abort = new AbortController();
  /** This attempt gives the run to another (hand-off, take-over): its model responses stay upstream for it. */
  let abandoned = false;
  /** The app yielded a resume point (the run's model responses can be continued). */
  let resumable = false;
  let unwatch = () => undefined as void;
  const fence = opts.attempt ?? newId('run');
  const seq = new RunEventSequencer(deps.runLog, runId, { fence });
  // Handing off: nothing more leaves this attempt (what is on the wire lands or is fenced out), and
  // the app's generator is stopped like on a cancel.
  const handOff = new RunHandedOff('worker draining: run handed to another worker');
  const onJobAbort = () => {
    abandoned = true;
    seq.abandon(handOff);
    abort.abort(handOff);
  };
  opts.signal?.addEventListener('abort', onJobAbort, { once: true });
  const items = new FencedItems(deps.runLog, deps.store, { runId, owner, threadId }, fence);
  const reads = new ThreadReads(deps.store, { owner, threadId });
  const ending: Ending = { plan, seq, store: deps.store, runLog: deps.runLog, reservation, items };
  const emitter = new RunLogEmitter(
    { runId, owner, threadId, partialImages: deps.partialImages, coalesceTextDeltas: deps.app.coalesceTextDeltas ?? true },
    seq,
    deps.store,
    items,
    deps.images,
  );
  /** Where a later attempt continues: the app's state and the items the client has open. */
  const saveResumePoint = (ev: ModelResponseEvent) => {
    const state = JSON.stringify({ app: ev.state, pending: [...emitter.pending.values()] } satisfies SavedResumeState);
    seq.step(() => deps.runLog.saveResumePoint(runId, fence, { responseId: ev.responseId, state }));
  };
  let events: AsyncIterator<unknown> | null = null;
  let args: ResponseArgs | null = null;
  let changes: ThreadChanges | null = null;
  let outcome: RunOutcome = 'completed';
  log.info({ request: plan.request, waitedMs: Date.now() - plan.enqueuedAt }, 'run started');
  let takeOver: TakeOver | null;
  try {
    // Claim first: from here every write of this attempt, its ending included, carries its fence.
    // An attempt that could not claim does not know whether it owns the run, so it writes and gives
    // back nothing (the leases expire); the job fails.
    takeOver = await claimRun(deps, plan, fence);
  } catch (err) {
    opts.signal?.removeEventListener('abort', onJobAbort);
    // Ended by its previous attempt since the check above (a job re-run after its lock lapsed during
    // a Redis outage while that attempt finished): nothing to take over.
    if (err instanceof RunEndedError) {
      // Every attempt that logged 'run started' logs how it stopped (operators and the chaos suite read these).
      log.info('run already ended by its previous attempt; stopping this attempt');
      return 'already-ended';
    }
    // Nobody can see or end a run without a log: give its reservation back; the job fails.
    if (err instanceof RunLogMissingError) await reservation.release().catch(() => undefined);
    log.error({ err }, 'could not claim the run');
    throw err;
  }
  // What the app is continuing (docs/resume.md) until its first event for it confirms it.
  let resume: Resume | null = takeOver?.resumePoint ? resumeFrom(takeOver.resumePoint, emitter) : null;
  const regenerate = async (reason: string | null) => {
    const removed = await undoEarlierAttempts(deps, plan, fence, seq, takeOver!);
    log.warn({ removed, previousSeq: takeOver!.previousSeq, ...(reason ? { reason } : {}) }, 'took over a run; regenerating');
    deps.onTakeOver?.('regenerated');
  };
  try {
    if (takeOver && !resume) await regenerate(null);
    // The cancel watch, the thread and (a first attempt) its newest items at once (thread-reads.ts).
    const watching = deps.control
      .watch(runId, (req) => abort.abort(new RunCancelled(req.reason)))
      .then((stop) => {
        unwatch = stop;
      });
    const [watched, loaded] = await Promise.allSettled([
      watching,
      deps.store.loadThread(owner, threadId),
      takeOver === null && plan.request !== 'threads.custom_action' ? reads.prefetch() : null,
    ]);
    if (watched.status === 'rejected') throw watched.reason;
    if (loaded.status === 'rejected') throw loaded.reason;
    const thread: ThreadMetadata = loaded.value;
    changes = new ThreadChanges(deps.store, owner, seq, thread);
    args = {
      thread,
      context: { owner, metadata: plan.metadata, runId },
      items: { loadItems: (limit) => reads.loadItems(limit), loadItem: (itemId) => reads.loadItem(itemId) },
      newId: (prefix) => newId(prefix),
      // Not streamed, so noted under the fence before it is stored (fenced-items.ts).
      saveItem: (item) => {
        reads.drop();
        return items.saveHidden(structuredClone(item));
      },
      signal: abort.signal,
      ...(resume ? { resume: resume.from } : {}),
      abandoned: () => abandoned,
      owns: () => deps.runLog.owns(runId, fence),
    };
    // One promise for the whole run: a cancel interrupts the app even while it awaits something.
    const aborted = new Promise<never>((_, reject) => {
      if (abort.signal.aborted) reject(abort.signal.reason);
      abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    // The model response the events belong to, and how many of its events came so far.
    let response: { id: string | null; events: number; replayUpTo: number } = { id: null, events: 0, replayUpTo: 0 };
    for (;;) {
      const generator = responseGenerator(deps, plan, args)[Symbol.asyncIterator]();
      events = generator;
      try {
        for (;;) {
          const next = await Promise.race([generator.next(), aborted]);
          if (next.done) break;
          reads.drop();
          const ev = next.value;
          if (ev.type === 'switchyard.model_response') {
            // The call that continues the response begins: its response is the one to continue.
            if (resume && ev.responseId === null && resume.from.responseId !== null) continue;
            if (resume) {
              if (ev.responseId !== resume.from.responseId && resume.from.responseId !== null)
                throw new Error(`asked to continue model response ${resume.from.responseId}, the app began ${ev.responseId}`);
              log.info({ responseId: ev.responseId, delivered: resume.delivered }, 'took over a run; continuing its model response');
              deps.onTakeOver?.('resumed');
            }
            response = { id: ev.responseId, events: 0, replayUpTo: resume && ev.responseId !== null ? resume.delivered : 0 };
            resumable = true;
            resume = null;
            seq.checkpoint = ev.responseId === null ? undefined : formatCheckpoint(ev.responseId, 0);
            saveResumePoint(ev);
            continue;
          }
          if (response.id !== null) seq.checkpoint = formatCheckpoint(response.id, ++response.events);
          if (response.events <= response.replayUpTo && response.id !== null) {
            // Already in the log: the previous attempt delivered it.
            if (ev.type !== 'switchyard.image_frame') emitter.event(ev, { replayed: true });
          } else if (ev.type === 'switchyard.image_frame') emitter.imageFrame(ev);
          else emitter.event(ev);
          changes.notice(args.thread);
        }
        break;
      } catch (err) {
        // Before the app's first event of the response to continue: answer from scratch instead.
        if (!(err instanceof ResumeUnavailable) || !resume) throw err;
        resume = null;
        delete args.resume;
        emitter.pending.clear();
        await regenerate(err.reason);
      }
    }
    changes.notice(args.thread);
    await endCompleted(ending);
  } catch (err) {
    if (seq.failed === handOff) {
      log.warn('drain time over; run handed to another worker');
      void events?.return?.(undefined).catch(() => undefined);
      return 'handed-off';
    }
    // A failure of the app may be its reaction to a take-over (a tool refused because another
    // attempt owns the run): when the run is no longer this attempt's, nothing of its ending stands.
    const lost = lostTheRun(err) || lostTheRun(seq.failed) || !(await deps.runLog.owns(runId, fence).catch(() => true));
    if (lost) {
      // Another worker owns the run (and its reservation) now, or ended it; anything this attempt still writes would contradict it.
      log.warn('run taken over by another worker; stopping this attempt');
      abandoned = true;
      abort.abort(new RunCancelled('taken over'));
      void events?.return?.(undefined).catch(() => undefined);
      return 'taken-over';
    }
    if (abort.signal.aborted) {
      outcome = 'cancelled';
      // Let the app's generator run its cleanup (the agent run sees the aborted signal).
      void events?.return?.(undefined).catch(() => undefined);
      const reason = (abort.signal.reason as Error)?.message ?? 'cancelled';
      log.info({ reason }, 'run cancelled');
      if (!(await giveBackIfEndFails(ending, () => endCancelled(ending, emitter, reason)))) return takenOverWhileEnding(log);
    } else {
      outcome = 'failed';
      log.error({ err, failure: (err as { failure?: unknown }).failure }, 'run failed');
      // The app stops too (a failure outside it, e.g. the store): nothing keeps generating, and an
      // app in background mode cancels its model responses upstream (docs/resume.md).
      abort.abort(new RunCancelled('run failed'));
      void events?.return?.(undefined).catch(() => undefined);
      if (err instanceof UpstreamRateLimited && err.retryAfterSeconds !== undefined) {
        await deps.onUpstreamRateLimited?.(err.retryAfterSeconds * 1000).catch(() => undefined);
      }
      const ended = await giveBackIfEndFails(ending, () =>
        endFailed(ending, err, () => {
          if (args) changes?.notice(args.thread);
        }),
      );
      if (!ended) return takenOverWhileEnding(log);
    }
  } finally {
    unwatch();
    opts.signal?.removeEventListener('abort', onJobAbort);
  }
  // Ended: nothing will continue its model response (the state may be large; the ttl would also drop it).
  if (takeOver?.resumePoint || resumable) await deps.runLog.forgetResumePoint(runId).catch(() => undefined);
  log.info({ outcome, appends: seq.stats.appends, entries: seq.stats.entries, coalesced: seq.stats.coalescedDeltas }, 'run finished');
  return outcome;
}
