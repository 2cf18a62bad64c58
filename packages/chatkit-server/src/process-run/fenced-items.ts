// Item writes of one attempt, under the run's fence (docs/architecture.md §6). The run log is the
// record of what an attempt made visible, so every store write follows the entry that shows it:
// - an item the client is shown (`thread.item.done`) is saved only after that event is in the log;
//   a failure in between leaves an item the log shows and the store lacks, which the failure path
//   tells the client to remove, never a stored item the client never saw finish;
// - an item no entry shows (hidden context, text kept on cancel) is first noted in the run's meta
//   under the fence, so a worker that takes the run over finds and deletes it;
// - after any save the attempt checks it still owns the run. A take-over that came between the
//   append and the save and regenerates the answer notes each item it removes (before it deletes
//   it), so this attempt takes a noted item back and stops: a lost attempt leaves no item behind.
//   A take-over that continues the model response (docs/resume.md) keeps everything the log
//   shows, so an item it did not note stays (its content is what the log's done event shows).
import type { ThreadItem } from '@switchyard/protocol';
import { RunFencedError, type RunLog } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';

export class FencedItems {
  /** Items whose done event was queued for the log and that are not stored yet. */
  readonly shownUnsaved = new Set<string>();

  constructor(
    private readonly runLog: RunLog,
    private readonly store: ChatStore,
    private readonly key: { runId: string; owner: string; threadId: string },
    readonly fence: string,
  ) {}

  /** The item's done event is queued before this runs (the sequencer keeps the order). */
  shown(itemId: string): void {
    this.shownUnsaved.add(itemId);
  }

  /** Saves an item whose done event is already in the log. */
  async saveShown(item: ThreadItem): Promise<void> {
    await this.store.addItem(this.key.owner, this.key.threadId, item);
    this.shownUnsaved.delete(item.id);
    await this.keepOrTakeBack(item.id);
  }

  /** Saves an item no log entry shows. */
  async saveHidden(item: ThreadItem): Promise<void> {
    await this.runLog.noteSavedItem(this.key.runId, this.fence, item.id);
    await this.store.addItem(this.key.owner, this.key.threadId, item);
    await this.keepOrTakeBack(item.id);
  }

  private async keepOrTakeBack(itemId: string): Promise<void> {
    if (await this.runLog.owns(this.key.runId, this.fence)) return;
    if (await this.runLog.isNoted(this.key.runId, itemId)) {
      await this.store.deleteThreadItem(this.key.owner, this.key.threadId, itemId);
      throw new RunFencedError(`run ${this.key.runId} was taken over while item ${itemId} was being saved; took it back`);
    }
    throw new RunFencedError(`run ${this.key.runId} was taken over after item ${itemId} was saved; the new owner keeps it`);
  }
}
