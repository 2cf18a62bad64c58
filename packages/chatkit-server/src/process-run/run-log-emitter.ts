// The worker side of the response pipeline (docs/protocol.md §6.1): forward to the run log, then
// persist under the run's fence (done → add, removed → delete, replaced → upsert; fenced-items.ts),
// hidden items persisted silently; text deltas coalesced when the app allows; image frames routed
// through the ingest worker in order.
import type { ImageFrameEvent } from '@switchyard/app-api';
import { applyItemUpdate, eventToWire, type ThreadItem, type ThreadStreamEvent } from '@switchyard/protocol';
import { RunFencedError, type RunEventSequencer } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import type { FencedItems } from './fenced-items.ts';
import { prepareImageHandoff, type ImageHandoffDeps } from './image-handoff.ts';

const HIDDEN_TYPES = new Set<ThreadItem['type']>(['hidden_context_item', 'sdk_hidden_context']);

export interface RunContext {
  runId: string;
  owner: string;
  threadId: string;
  partialImages: number;
  coalesceTextDeltas: boolean;
}

export class RunLogEmitter {
  /** Items added but not yet done/removed/replaced, with updates applied (for cancellation, docs/protocol.md §6.9). */
  readonly pending = new Map<string, ThreadItem>();

  constructor(
    private readonly ctx: RunContext,
    private readonly seq: RunEventSequencer,
    private readonly store: ChatStore,
    private readonly items: FencedItems,
    private readonly images: ImageHandoffDeps,
  ) {}

  /**
   * Forwards an event to the log and makes its store write. A `replayed` event is one a previous
   * attempt already put in the log (a continued model response replays from its start,
   * docs/resume.md): nothing goes to the log again, but the item state follows it and its store
   * write is repeated (idempotent: the previous attempt may have died before making it).
   */
  event(e: ThreadStreamEvent, opts: { replayed?: boolean } = {}): void {
    const { owner, threadId } = this.ctx;
    const log = () => {
      if (!opts.replayed) this.seq.event(JSON.stringify(eventToWire(e)));
    };
    switch (e.type) {
      case 'thread.item.done': {
        const item = structuredClone(e.item);
        this.pending.delete(item.id);
        if (HIDDEN_TYPES.has(item.type)) {
          this.seq.step(() => this.items.saveHidden(item));
          return;
        }
        this.items.shown(item.id);
        log();
        this.seq.step(() => this.items.saveShown(item));
        return;
      }
      case 'thread.item.removed': {
        const id = e.item_id;
        this.pending.delete(id);
        log();
        this.seq.step(() => this.store.deleteThreadItem(owner, threadId, id));
        return;
      }
      case 'thread.item.replaced': {
        const item = structuredClone(e.item);
        this.pending.delete(item.id);
        log();
        this.seq.step(() => this.store.saveItem(owner, threadId, item));
        return;
      }
      case 'thread.item.added':
        // A private copy: the app may keep mutating its own object (docs/conformance.md C7).
        this.pending.set(e.item.id, structuredClone(e.item));
        break;
      case 'thread.item.updated': {
        const item = this.pending.get(e.item_id);
        if (item) this.pending.set(e.item_id, applyItemUpdate(item, e.update));
        const u = e.update;
        if (u.type === 'assistant_message.content_part.text_delta' && this.ctx.coalesceTextDeltas && !opts.replayed) {
          this.textDelta(e.item_id, u.content_index, u.delta);
          return;
        }
        break;
      }
      default:
        break;
    }
    log();
  }

  private textDelta(itemId: string, contentIndex: number, delta: string): void {
    this.seq.delta(`${itemId}:${contentIndex}`, delta, (merged) =>
      JSON.stringify({
        type: 'thread.item.updated',
        item_id: itemId,
        update: { type: 'assistant_message.content_part.text_delta', content_index: contentIndex, delta: merged },
      }),
    );
  }

  imageFrame(frame: ImageFrameEvent): void {
    const { runId, owner, threadId, partialImages } = this.ctx;
    const receivedAt = Date.now();
    if (frame.partialIndex === null) this.pending.delete(frame.item.id);
    const ingest = prepareImageHandoff(this.images, {
      runId,
      attempt: this.items.fence,
      owner,
      threadId,
      itemId: frame.item.id,
      itemCreatedAt: frame.item.created_at,
      imageId: frame.imageId,
      partialIndex: frame.partialIndex,
      partialImages,
      expectedFormat: frame.format,
      bytes: Buffer.from(frame.b64, 'base64'),
      // The ingest worker appends this frame's event: the checkpoint goes with it.
      ...(this.seq.checkpoint ? { checkpoint: this.seq.checkpoint } : {}),
    });
    // The ingest worker appends the image's events itself; holding the sequencer here keeps them
    // in stream order (a partial never after the final, the final before the text that follows).
    this.seq.step(async () => {
      const result = await ingest();
      // The ingest worker found this attempt no longer owns the run: stop like any fenced write.
      if (result.discarded) throw new RunFencedError(`run ${runId}: image frame discarded, another attempt owns the run`);
      this.images.onIngested?.((Date.now() - receivedAt) / 1000);
    });
  }
}
