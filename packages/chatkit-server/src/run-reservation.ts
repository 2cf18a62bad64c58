// What a run holds while it lives: its thread's one active-run lock and one of its owner's run slots.
// Both sides use this class: the gateway acquires (thread first, then slot, always in that order) and
// gives back on any failure before the run is enqueued; the worker gives back when the run ends.
import type { Limits } from '@switchyard/limits';

export interface ReservationKey {
  owner: string;
  threadId: string;
  runId: string;
}

export class RunReservation {
  private released = false;

  private constructor(
    private readonly limits: Limits,
    readonly key: ReservationKey,
  ) {}

  /**
   * Takes the thread lock (waiting up to `threadBusyWaitMs` behind a running response) and then a
   * run slot. If the slot is refused, the thread lock is given back before the error is thrown.
   */
  static async acquire(limits: Limits, key: ReservationKey, opts: { threadBusyWaitMs?: number } = {}): Promise<RunReservation> {
    await limits.acquireThread(key.threadId, key.runId, opts.threadBusyWaitMs ?? 0);
    const reservation = new RunReservation(limits, key);
    try {
      await limits.acquireRunSlot(key.owner, key.runId);
    } catch (err) {
      await limits.releaseThread(key.threadId, key.runId).catch(() => undefined);
      throw err;
    }
    return reservation;
  }

  /** The reservation a running run holds (the worker's side): only its holder id is needed to give it back. */
  static held(limits: Limits, key: ReservationKey): RunReservation {
    return new RunReservation(limits, key);
  }

  /**
   * Gives back the slot, then the thread, each only if this run still holds it (a lease that expired
   * and was taken by another run is left alone). Idempotent once it succeeded; after a failure (Redis down) it can be called again.
   */
  async release(): Promise<void> {
    if (this.released) return;
    const { owner, threadId, runId } = this.key;
    await this.limits.releaseRunSlot(owner, runId);
    await this.limits.releaseThread(threadId, runId);
    this.released = true;
  }
}
