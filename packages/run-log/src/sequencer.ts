// The ordered writer a run's producer uses: events, coalesced text deltas and async steps
// (persist, wait for an image ingest) leave in exactly the order they were pushed. Pushing never
// awaits Redis: batches go out as soon as nothing is in flight and grow while an append is pending.
import { randomUUID } from 'node:crypto';
import type { RunEnd } from './entries.ts';
import type { RunLog } from './run-log.ts';

type Pending =
  | { kind: 'event'; json: string; checkpoint: string | undefined }
  | { kind: 'delta'; key: string; delta: string; render: (delta: string) => string; checkpoint: string | undefined }
  | { kind: 'step'; run: () => Promise<void> }
  | { kind: 'end'; end: RunEnd; checkpoint: string | undefined };

export interface SequencerStats {
  appends: number;
  entries: number;
  coalescedDeltas: number;
}

export class RunEventSequencer {
  private queue: Pending[] = [];
  private pumping: Promise<void> | null = null;
  private failure: unknown = null;
  private batches = 0;
  /** Tells this sequencer's batches from another's on the same run when no fence is given. */
  private readonly instance = randomUUID();
  readonly stats: SequencerStats = { appends: 0, entries: 0, coalescedDeltas: 0 };
  /**
   * Where the run's model response stands once what is pushed from now on is in the log (a
   * checkpoint, docs/resume.md): each append stores the checkpoint of its last entry with it.
   */
  checkpoint: string | undefined;

  constructor(
    private readonly log: RunLog,
    readonly runId: string,
    private readonly opts: { maxBatchBytes?: number; fence?: string } = {},
  ) {}

  /** A complete ChatKit event in wire JSON. */
  event(json: string): void {
    this.push({ kind: 'event', json, checkpoint: this.checkpoint });
  }

  /**
   * A text delta. Consecutive deltas with the same key (item + content index) that have not been
   * sent yet are merged into one event; `render` turns the merged delta into the event JSON.
   */
  delta(key: string, delta: string, render: (delta: string) => string): void {
    const last = this.queue[this.queue.length - 1];
    if (last?.kind === 'delta' && last.key === key) {
      last.delta += delta;
      last.checkpoint = this.checkpoint;
      this.stats.coalescedDeltas++;
      return;
    }
    this.push({ kind: 'delta', key, delta, render, checkpoint: this.checkpoint });
  }

  /** An async step that must happen after everything pushed so far and before anything after. */
  step(run: () => Promise<void>): void {
    this.push({ kind: 'step', run });
  }

  /** Appends the terminal entry after everything else and resolves once it is in Redis. */
  async end(end: RunEnd): Promise<void> {
    this.push({ kind: 'end', end, checkpoint: this.checkpoint });
    await this.drain();
  }

  /** Resolves when everything pushed so far is written; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
    if (this.failure) throw this.failure;
  }

  get failed(): unknown {
    return this.failure;
  }

  /** The attempt whose fence every batch carries (undefined: unfenced). */
  get fence(): string | undefined {
    return this.opts.fence;
  }

  /**
   * Stops this writer for good: nothing queued is sent and later pushes are dropped (an attempt
   * handing its run to another worker). A batch already on the wire still lands or is refused by the fence.
   */
  abandon(reason: unknown): void {
    if (!this.failure) this.failure = reason;
    this.queue = [];
  }

  private push(p: Pending): void {
    if (this.failure) return;
    this.queue.push(p);
    if (!this.pumping) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    const maxBytes = this.opts.maxBatchBytes ?? 256 * 1024;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'step') {
          this.queue.shift();
          await head.run();
          continue;
        }
        const batch: Array<{ kind: 'event'; json: string } | { kind: 'end'; end: RunEnd }> = [];
        let bytes = 0;
        let checkpoint: string | undefined;
        while (this.queue.length > 0 && bytes < maxBytes) {
          const p = this.queue[0]!;
          if (p.kind === 'step') break;
          this.queue.shift();
          checkpoint = p.checkpoint;
          if (p.kind === 'end') {
            batch.push(p);
            break;
          }
          const json = p.kind === 'delta' ? p.render(p.delta) : p.json;
          bytes += json.length;
          batch.push({ kind: 'event', json });
        }
        // Each batch has its own token: if the client re-sends this append after a reconnect (Redis ran
        // it but the reply was lost), the script sees the token of the batch it just appended and does
        // nothing, instead of appending the same deltas twice.
        const batchToken = `${this.opts.fence ?? this.instance}:${++this.batches}`;
        await this.log.append(this.runId, batch, {
          ...(this.opts.fence ? { fence: this.opts.fence } : {}),
          ...(checkpoint ? { checkpoint } : {}),
          batchToken,
        });
        this.stats.appends++;
        this.stats.entries += batch.length;
      }
    } catch (err) {
      this.failure = err;
      this.queue = [];
    }
  }
}
