// The JSON half of the protocol (docs/protocol.md §3.2), answered straight from the store and the app's
// hooks: page sizes, orders and the hidden-context filter as the reference applies
// them; sync widget actions answered and never persisted.
import type { RequestContext, SwitchyardApp } from '@switchyard/app-api';
import { BadRequest } from '@switchyard/errors';
import { itemToWire, threadToWire, type NonStreamingRequest, type Page, type ThreadItem } from '@switchyard/protocol';
import type { ChatStore } from '@switchyard/store';
import { createAttachment, deleteAttachment, itemForWire, type AttachmentDeps } from '@switchyard/attachments';
import { transcribe } from './transcription.ts';

const DEFAULT_LIMIT = 20;
const HIDDEN = new Set<ThreadItem['type']>(['hidden_context_item', 'sdk_hidden_context']);

export interface JsonRequestDeps {
  store: ChatStore;
  app: SwitchyardApp;
  attachments: AttachmentDeps;
  /** Largest decoded `input.transcribe` audio. */
  maxAudioBytes: number;
}

/**
 * Hidden items are removed after paging, so a page may be short while has_more is true (docs/protocol.md §3.2);
 * attachment previews are signed on the way out, never stored.
 */
async function visible(deps: JsonRequestDeps, owner: string, page: Page<ThreadItem>): Promise<Page<ThreadItem>> {
  const shown = page.data.filter((i) => !HIDDEN.has(i.type));
  return { ...page, data: await Promise.all(shown.map(async (i) => itemToWire(await itemForWire(deps.attachments, owner, i)))) };
}

export async function handleJsonRequest(deps: JsonRequestDeps, context: RequestContext, req: NonStreamingRequest): Promise<unknown> {
  const { store } = deps;
  const { owner } = context;
  switch (req.type) {
    case 'threads.get_by_id': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const items = await store.loadThreadItems(owner, thread.id, { limit: DEFAULT_LIMIT, order: 'asc' });
      return threadToWire(thread, await visible(deps, owner, items));
    }
    case 'threads.list': {
      const page = await store.loadThreads(owner, { limit: req.params.limit, order: req.params.order, after: req.params.after ?? null });
      return { ...page, data: page.data.map((t) => threadToWire(t)) };
    }
    case 'items.list': {
      await store.loadThread(owner, req.params.thread_id);
      const page = await store.loadThreadItems(owner, req.params.thread_id, {
        limit: req.params.limit,
        order: req.params.order,
        after: req.params.after ?? null,
      });
      return visible(deps, owner, page);
    }
    case 'threads.update': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const updated = { ...thread, title: req.params.title };
      await store.saveThread(owner, updated);
      return threadToWire(updated);
    }
    case 'threads.delete':
      await store.deleteThread(owner, req.params.thread_id);
      return {};
    case 'items.feedback':
      await store.loadThread(owner, req.params.thread_id);
      await deps.app.feedback?.({ threadId: req.params.thread_id, itemIds: req.params.item_ids, kind: req.params.kind, context });
      return {};
    case 'attachments.create':
      return createAttachment(deps.attachments, owner, req.params);
    case 'attachments.delete':
      await deleteAttachment(deps.attachments, owner, req.params.attachment_id);
      return {};
    case 'input.transcribe':
      return transcribe(deps.app, req.params, context, deps.maxAudioBytes);
    case 'threads.sync_custom_action': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const sender = req.params.item_id ? await store.loadItem(owner, thread.id, req.params.item_id) : null;
      if (sender && sender.type !== 'widget') throw new BadRequest(`item ${sender.id} is not a widget`);
      if (!deps.app.syncAction) throw new BadRequest(`app ${deps.app.name} has no sync action handler`);
      const updated = await deps.app.syncAction({ thread, action: req.params.action, sender, context });
      return updated ? { updated_item: itemToWire(updated) } : {};
    }
  }
}
