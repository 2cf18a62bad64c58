// The ChatKit store contract (docs/protocol.md §6.12) on MongoDB: threads, items and attachments, every
// query scoped by owner, items kept as their ChatKit JSON plus the fields we sort and page on.
import type { Collection, Db, Filter, Sort } from 'mongodb';
import { NotFound } from '@switchyard/errors';
import type { Attachment, Page, ThreadItem, ThreadMetadata } from '@switchyard/protocol';

export type Order = 'asc' | 'desc';

export interface PageQuery {
  after?: string | null;
  limit: number;
  order: Order;
}

/** Where a generated image's bytes live; the URL on the wire is derived from it on every read. */
export interface BlobRef {
  name: string;
  sha256: string;
  bytes: number;
  contentType: string;
  width?: number;
  height?: number;
}

interface ThreadDoc {
  _id: string;
  owner: string;
  created_at: Date;
  thread: ThreadMetadata;
}

interface ItemDoc {
  _id: string;
  owner: string;
  thread_id: string;
  item_id: string;
  type: ThreadItem['type'];
  created_at: Date;
  item: ThreadItem;
  blob?: BlobRef;
}

interface AttachmentDoc {
  _id: string;
  owner: string;
  attachment: Attachment;
  blob?: BlobRef;
}

export interface ChatStoreOptions {
  /** Turns a stored blob into a fresh URL (signed, short-lived) whenever an image item is read. */
  imageUrl?: (blob: BlobRef) => Promise<string>;
}

const itemKey = (threadId: string, itemId: string) => `${threadId}/${itemId}`;

export class ChatStore {
  readonly threads: Collection<ThreadDoc>;
  readonly items: Collection<ItemDoc>;
  readonly attachments: Collection<AttachmentDoc>;

  constructor(
    readonly db: Db,
    private readonly opts: ChatStoreOptions = {},
  ) {
    this.threads = db.collection<ThreadDoc>('threads');
    this.items = db.collection<ItemDoc>('items');
    this.attachments = db.collection<AttachmentDoc>('attachments');
  }

  async ensureIndexes(): Promise<void> {
    await this.threads.createIndex({ owner: 1, created_at: -1, _id: -1 });
    await this.items.createIndex({ owner: 1, thread_id: 1, created_at: 1, item_id: 1 });
    await this.attachments.createIndex({ owner: 1, _id: 1 });
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  // ── threads ────────────────────────────────────────────────────────────────────────────────

  async saveThread(owner: string, thread: ThreadMetadata): Promise<void> {
    await this.threads.updateOne(
      { _id: thread.id, owner },
      { $set: { thread }, $setOnInsert: { created_at: new Date(thread.created_at) } },
      { upsert: true },
    );
  }

  async loadThread(owner: string, threadId: string): Promise<ThreadMetadata> {
    const doc = await this.threads.findOne({ _id: threadId, owner });
    if (!doc) throw new NotFound(`thread ${threadId} not found`);
    return doc.thread;
  }

  async loadThreads(owner: string, q: PageQuery): Promise<Page<ThreadMetadata>> {
    const filter: Filter<ThreadDoc> = { owner };
    if (q.after) {
      const anchor = await this.threads.findOne({ _id: q.after, owner });
      if (anchor) Object.assign(filter, afterFilter(q.order, anchor.created_at, '_id', anchor._id));
    }
    const dir = q.order === 'asc' ? 1 : -1;
    const docs = await this.threads
      .find(filter)
      .sort({ created_at: dir, _id: dir })
      .limit(q.limit + 1)
      .toArray();
    return toPage(
      docs.map((d) => d.thread),
      q.limit,
      (t) => t.id,
    );
  }

  /** Deletes the thread and its items; attachments are left alone (docs/protocol.md §3.2). */
  async deleteThread(owner: string, threadId: string): Promise<void> {
    const res = await this.threads.deleteOne({ _id: threadId, owner });
    if (res.deletedCount === 0) throw new NotFound(`thread ${threadId} not found`);
    await this.items.deleteMany({ owner, thread_id: threadId });
  }

  // ── items ──────────────────────────────────────────────────────────────────────────────────

  /** Upsert by id: adding the same item twice (a retried run, a re-saved workflow) is harmless. */
  async addItem(owner: string, threadId: string, item: ThreadItem, blob?: BlobRef): Promise<void> {
    const doc: Omit<ItemDoc, '_id'> = {
      owner,
      thread_id: threadId,
      item_id: item.id,
      type: item.type,
      created_at: new Date(item.created_at),
      item,
      ...(blob ? { blob } : {}),
    };
    await this.items.replaceOne({ _id: itemKey(threadId, item.id), owner }, doc, { upsert: true });
  }

  async saveItem(owner: string, threadId: string, item: ThreadItem): Promise<void> {
    await this.addItem(owner, threadId, item);
  }

  async loadItem(owner: string, threadId: string, itemId: string): Promise<ThreadItem> {
    const doc = await this.items.findOne({ _id: itemKey(threadId, itemId), owner });
    if (!doc) throw new NotFound(`item ${itemId} not found in thread ${threadId}`);
    return this.withFreshUrl(doc);
  }

  async loadItemBlob(owner: string, threadId: string, itemId: string): Promise<BlobRef | undefined> {
    const doc = await this.items.findOne({ _id: itemKey(threadId, itemId), owner }, { projection: { blob: 1 } });
    return doc?.blob;
  }

  async loadThreadItems(owner: string, threadId: string, q: PageQuery): Promise<Page<ThreadItem>> {
    const filter: Filter<ItemDoc> = { owner, thread_id: threadId };
    if (q.after) {
      const anchor = await this.items.findOne({ _id: itemKey(threadId, q.after), owner });
      if (anchor) Object.assign(filter, afterFilter(q.order, anchor.created_at, 'item_id', anchor.item_id));
    }
    const dir = q.order === 'asc' ? 1 : -1;
    const sort: Sort = { created_at: dir, item_id: dir };
    const docs = await this.items
      .find(filter)
      .sort(sort)
      .limit(q.limit + 1)
      .toArray();
    const page = toPage(docs, q.limit, (d) => d.item_id);
    return { ...page, data: await Promise.all(page.data.map((d) => this.withFreshUrl(d))) };
  }

  async deleteThreadItem(owner: string, threadId: string, itemId: string): Promise<void> {
    await this.items.deleteOne({ _id: itemKey(threadId, itemId), owner });
  }

  // ── attachments ────────────────────────────────────────────────────────────────────────────

  /** Upsert; the stored bytes' reference is kept unless a new one is given. */
  async saveAttachment(owner: string, attachment: Attachment, blob?: BlobRef): Promise<void> {
    await this.attachments.updateOne(
      { _id: attachment.id, owner },
      { $set: { owner, attachment, ...(blob ? { blob } : {}) } },
      { upsert: true },
    );
  }

  async loadAttachment(owner: string, attachmentId: string): Promise<Attachment> {
    const doc = await this.attachments.findOne({ _id: attachmentId, owner });
    if (!doc) throw new NotFound(`attachment ${attachmentId} not found`);
    return doc.attachment;
  }

  async deleteAttachment(owner: string, attachmentId: string): Promise<void> {
    await this.attachments.deleteOne({ _id: attachmentId, owner });
  }

  private async withFreshUrl(doc: ItemDoc): Promise<ThreadItem> {
    const { item, blob } = doc;
    if (item.type !== 'generated_image' || !blob || !item.image || !this.opts.imageUrl) return item;
    return { ...item, image: { ...item.image, url: await this.opts.imageUrl(blob) } };
  }
}

/** "Strictly after the anchor in this order", with the id as tie-breaker for equal timestamps. */
function afterFilter(order: Order, at: Date, idField: string, id: string): Record<string, unknown> {
  const op = order === 'asc' ? '$gt' : '$lt';
  return { $or: [{ created_at: { [op]: at } }, { created_at: at, [idField]: { [op]: id } }] };
}

function toPage<D>(docs: D[], limit: number, idOf: (d: D) => string): Page<D> {
  const hasMore = docs.length > limit;
  const data = hasMore ? docs.slice(0, limit) : docs;
  const last = data[data.length - 1];
  return { data, has_more: hasMore, ...(hasMore && last ? { after: idOf(last) } : {}) } as Page<D>;
}
