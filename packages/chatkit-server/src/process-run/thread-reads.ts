// What a run reads of its thread before the app's first event: the thread, the user item it answers
// and the history the app reads (agentResponder: `loadItems(n)` before its model call). Read one
// after the other they are three store round trips on the way to the first delta (issue 15, the
// 10-chat first delta); on a first attempt the worker starts the newest items' read together with
// the thread's and the cancel watch, and answers from it:
// - the input item, when it is among them (it is the newest item of a new message or a retry);
// - the app's first `loadItems(n)` with n ≤ PREFETCHED_ITEMS, when nothing was written since.
// The read is exact because nothing of this attempt has written to the thread yet: the first event
// the app yields, or its first `saveItem`, drops it. A take-over does not prefetch (its removals of
// the previous attempt's items are sequencer steps that may still be on their way), nor does a
// widget action (its app may not read the history).
import type { ThreadItem } from '@switchyard/protocol';
import type { ChatStore } from '@switchyard/store';

/** The `loadItems` default (ThreadReader): the newest items a prefetch holds. */
export const PREFETCHED_ITEMS = 400;

export class ThreadReads {
  /** Newest first; null when not prefetched, spent or dropped. */
  private prefetched: Promise<ThreadItem[] | null> | null = null;

  constructor(
    private readonly store: ChatStore,
    private readonly key: { owner: string; threadId: string },
  ) {}

  /** Starts reading the newest items. A failed read is not the run's failure: the app's read asks again. */
  prefetch(): Promise<unknown> {
    this.prefetched = this.store
      .loadThreadItems(this.key.owner, this.key.threadId, { limit: PREFETCHED_ITEMS, order: 'desc' })
      .then((page) => page.data)
      .catch(() => null);
    return this.prefetched;
  }

  /** This attempt wrote to the thread (or the app began): the prefetched items may be stale. */
  drop(): void {
    this.prefetched = null;
  }

  /** The newest `limit` items, oldest first. */
  async loadItems(limit = PREFETCHED_ITEMS): Promise<ThreadItem[]> {
    const prefetched = limit <= PREFETCHED_ITEMS ? await this.take() : null;
    const newest = prefetched
      ? prefetched.slice(0, limit)
      : (await this.store.loadThreadItems(this.key.owner, this.key.threadId, { limit, order: 'desc' })).data;
    return newest.reverse();
  }

  async loadItem(itemId: string): Promise<ThreadItem> {
    const prefetched = (this.prefetched ? await this.prefetched : null)?.find((i) => i.id === itemId);
    // A copy: the app may get the same item again from loadItems.
    return prefetched ? structuredClone(prefetched) : await this.store.loadItem(this.key.owner, this.key.threadId, itemId);
  }

  /** The prefetched items, once. */
  private async take(): Promise<ThreadItem[] | null> {
    const p = this.prefetched;
    this.prefetched = null;
    return p ? await p : null;
  }
}
