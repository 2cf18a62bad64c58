// Thread changes an app makes while it runs (title, status, metadata): saved and streamed as
// `thread.updated` in event order, once per change, compared by value.
import { threadToWire, type ThreadMetadata } from '@switchyard/protocol';
import type { RunEventSequencer } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';

export class ThreadChanges {
  private snapshot: string;

  constructor(
    private readonly store: ChatStore,
    private readonly owner: string,
    private readonly seq: RunEventSequencer,
    thread: ThreadMetadata,
  ) {
    this.snapshot = JSON.stringify(thread);
  }

  /** Saves and streams the thread if it differs from what was last saved. */
  notice(thread: ThreadMetadata): void {
    const now = JSON.stringify(thread);
    if (now === this.snapshot) return;
    this.snapshot = now;
    const saved: ThreadMetadata = structuredClone(thread);
    // The event first, under the fence: an attempt that lost the run is refused before it saves.
    this.seq.event(JSON.stringify({ type: 'thread.updated', thread: threadToWire(saved) }));
    this.seq.step(() => this.store.saveThread(this.owner, saved));
  }
}
