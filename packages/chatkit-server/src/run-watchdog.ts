// The gateway's watchdog over the runs its clients are attached to: a run whose `runs` job no longer
// exists or is finished (failed for good, completed) while its log has no end would keep its client
// waiting until the log expires. The watchdog ends it with endAbandonedRun (one `error` event the
// client may retry on, the end, the reservation given back); the entries reach the attached clients
// through the normal live path. One check costs one HMGET and, for a run that has not ended, one
// getJobState (the job id is the runId, start-run/open-run.ts).
//
// Why a run it ends is really abandoned, and why the races are harmless:
// - Only runs whose prefix was marked are judged. The gateway marks the prefix just before it adds
//   the job, so an unmarked run is still being opened (its job may not exist yet), or was answered by
//   the gateway alone (writeWholeRun appends its events and its end in one append, so it is ended by
//   the time it has any entry), or failed to start (start-run ends its log itself).
// - Between markPrefixEnd and runsQueue.add a marked run has no job yet ('unknown'). So one sighting
//   is never enough: a run is ended only when two consecutive checks of the same stream (at least a
//   check interval apart) both find its job in a finished state.
// - A worker appends its run's end before its processor returns or throws, so once BullMQ calls the
//   job completed or failed (a failure with attempts left is 'delayed' or 'waiting', not 'failed'),
//   or retention has removed it ('unknown'), no attempt of it will end the run. The meta read before
//   getJobState may predate a worker's end, so the meta is read again after the state: a run ended in
//   between is left alone.
// - What can still race is harmless: an end appended meanwhile by anyone makes the run log refuse
//   ours (RunEndedError, reported as 'already-ended'), and ours makes the log refuse any later append
//   (a failed job an operator retries, an add delayed past two checks by a partitioned gateway). The
//   reservation is released only if this run still holds it, so a next run's lock is never touched.
import type { JobState, Queue } from 'bullmq';
import type { Limits } from '@switchyard/limits';
import type { Logger } from '@switchyard/logging';
import { runKeys, type RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import { endAbandonedRun } from './end-abandoned-run.ts';

export interface RunWatchdogDeps {
  /** The `runs` queue: job id = runId. */
  runsQueue: Pick<Queue, 'getJobState'>;
  runLog: RunLog;
  limits: Limits;
  /** Where items an abandoned run's attempts noted are deleted (endAbandonedRun). */
  store?: ChatStore;
  logger: Logger;
  /** How often an attached stream checks its run (default 15 s). */
  intervalMs?: number;
}

type JobStateOrUnknown = JobState | 'unknown';

/**
 * - `gone`: no run log (expired, or Redis lost it): the attach's own check handles that.
 * - `ended`: the log has its end.
 * - `unmarked`: no prefix mark yet, not judged (see the top of this file).
 * - `running`: the job is waiting, delayed, active …: BullMQ will run, retry or fail it.
 * - `suspect`: the job is finished or gone while the run is not ended; ended if the next check agrees.
 * - `abandoned`: this check ended the run.
 */
export type RunCheck =
  { verdict: 'gone' | 'ended' | 'unmarked' } | { verdict: 'running' | 'suspect' | 'abandoned'; jobState: JobStateOrUnknown };

const FINISHED: ReadonlySet<JobStateOrUnknown> = new Set(['failed', 'completed', 'unknown']);
export const DEFAULT_RUN_CHECK_INTERVAL_MS = 15_000;

export class RunWatchdog {
  readonly intervalMs: number;

  constructor(private readonly deps: RunWatchdogDeps) {
    this.intervalMs = deps.intervalMs ?? DEFAULT_RUN_CHECK_INTERVAL_MS;
  }

  /** Where the run stands: owner, end and prefix mark in one round trip. */
  private async meta(runId: string): Promise<'gone' | 'ended' | 'unmarked' | 'open'> {
    const [owner, ended, prefixEnd] = await this.deps.runLog.redis.hmget(runKeys(runId).meta, 'owner', 'ended', 'prefixEnd');
    if (!owner) return 'gone';
    if (ended) return 'ended';
    return prefixEnd ? 'open' : 'unmarked';
  }

  /**
   * One check of one run. `previous` is the verdict of the previous check of the same stream: the run
   * is ended only if that one was `suspect` too.
   */
  async checkRun(runId: string, previous?: RunCheck): Promise<RunCheck> {
    const before = await this.meta(runId);
    if (before !== 'open') return { verdict: before };
    const jobState = await this.deps.runsQueue.getJobState(runId);
    if (!FINISHED.has(jobState)) return { verdict: 'running', jobState };
    if (previous?.verdict !== 'suspect') return { verdict: 'suspect', jobState };
    // A worker may have ended the run between the first read and getJobState.
    const after = await this.meta(runId);
    if (after !== 'open') return { verdict: after };
    const reason = jobState === 'unknown' ? 'its runs job no longer exists' : `its runs job is ${jobState} and the run has no end`;
    const result = await endAbandonedRun(this.deps, runId, `run watchdog: ${reason}`);
    if (result !== 'ended') return { verdict: result === 'gone' ? 'gone' : 'ended' };
    this.deps.logger.warn({ runId, jobState }, `run watchdog ended an abandoned run: ${reason}`);
    return { verdict: 'abandoned', jobState };
  }

  /** The checks of one attached stream: each remembers the last verdict, for the two-sighting rule. */
  forRun(runId: string): () => Promise<RunCheck> {
    let previous: RunCheck | undefined;
    return async () => {
      try {
        previous = await this.checkRun(runId, previous);
      } catch (err) {
        // A check that could not see the run breaks the sequence: the next one starts it over.
        previous = undefined;
        throw err;
      }
      return previous;
    };
  }
}
