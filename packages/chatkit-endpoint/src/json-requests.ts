// The JSON half of the protocol, answered by the gateway straight from the store (PROTOCOL §3.2):
// page sizes, orders and the hidden-context filter exactly as the reference applies them.
import { BadRequest } from '@switchyard/errors';
import { threadToWire, itemToWire, type ChatKitRequest, type Page, type ThreadItem } from '@switchyard/protocol';
import type { ChatStore } from '@switchyard/store';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const HIDDEN = new Set<ThreadItem['type']>(['hidden_context_item', 'sdk_hidden_context']);

function pageLimit(limit: number | null | undefined): number {
  if (!limit) return DEFAULT_LIMIT;
  if (limit > MAX_LIMIT) throw new BadRequest(`params.limit: at most ${MAX_LIMIT}`);
  return limit;
}

/** Hidden items are removed after paging, so a page may be short while has_more is true (§3.2). */
function visible(page: Page<ThreadItem>): Page<unknown> {
  return { ...page, data: page.data.filter((i) => !HIDDEN.has(i.type)).map(itemToWire) };
}

export async function handleJsonRequest(store: ChatStore, owner: string, req: ChatKitRequest): Promise<unknown> {
  switch (req.type) {
    case 'threads.get_by_id': {
      const thread = await store.loadThread(owner, req.params.thread_id);
      const items = await store.loadThreadItems(owner, thread.id, { limit: DEFAULT_LIMIT, order: 'asc' });
      return threadToWire(thread, visible(items) as Page<ThreadItem>);
    }
    case 'threads.list': {
      const page = await store.loadThreads(owner, {
        limit: pageLimit(req.params.limit),
        order: req.params.order ?? 'desc',
        after: req.params.after ?? null,
      });
      return { ...page, data: page.data.map((t) => threadToWire(t)) };
    }
    case 'items.list': {
      await store.loadThread(owner, req.params.thread_id);
      const page = await store.loadThreadItems(owner, req.params.thread_id, {
        limit: pageLimit(req.params.limit),
        order: req.params.order ?? 'desc',
        after: req.params.after ?? null,
      });
      return visible(page);
    }
    default:
      throw new BadRequest(`request type "${req.type}" is not supported by this server yet`);
  }
}
