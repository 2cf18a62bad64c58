// The store contract against the real mongodb driver (the MongoDB test server here, MONGODB_URL
// elsewhere): owner scoping, ordering, exclusive cursors, has_more/after, upserts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import type { ThreadItem, ThreadMetadata } from '@switchyard/protocol';
import { ChatStore } from '../src/index.ts';

let server: MongoTestServer | undefined;
let client: MongoClient;
let store: ChatStore;

beforeAll(async () => {
  let url = process.env.MONGODB_URL;
  if (!url) {
    server = await startMongoTestServer();
    url = server.url;
  }
  client = new MongoClient(url);
  await client.connect();
  store = new ChatStore(client.db(`store_test_${randomBytes(4).toString('hex')}`), {
    imageUrl: async (blob) => `https://files.test/${blob.name}?fresh`,
  });
  await store.ensureIndexes();
});

afterAll(async () => {
  await store.db.dropDatabase().catch(() => undefined);
  await client.close();
  await server?.close();
});

const at = (n: number) => new Date(Date.UTC(2026, 10, 22, 10, 0, n)).toISOString();
const thread = (id: string, n: number): ThreadMetadata => ({ id, created_at: at(n), status: { type: 'active' }, metadata: {} });
const message = (threadId: string, id: string, n: number): Extract<ThreadItem, { type: 'assistant_message' }> => ({
  id,
  thread_id: threadId,
  created_at: at(n),
  type: 'assistant_message',
  content: [{ type: 'output_text', text: id, annotations: [] }],
});

describe('threads', () => {
  it('pages 25 threads newest first as 20 then 5, with an exclusive cursor', async () => {
    for (let i = 0; i < 25; i++) await store.saveThread('pager', thread(`thr_p${String(i).padStart(2, '0')}`, i));
    const first = await store.loadThreads('pager', { limit: 20, order: 'desc' });
    expect(first.data.length).toBe(20);
    expect(first.has_more).toBe(true);
    expect(first.data[0]!.id).toBe('thr_p24');
    expect(first.after).toBe('thr_p05');
    const second = await store.loadThreads('pager', { limit: 20, order: 'desc', after: first.after! });
    expect(second.data.map((t) => t.id)).toEqual(['thr_p04', 'thr_p03', 'thr_p02', 'thr_p01', 'thr_p00']);
    expect(second.has_more).toBe(false);
    expect(second.after).toBeUndefined();
    const asc = await store.loadThreads('pager', { limit: 2, order: 'asc' });
    expect(asc.data.map((t) => t.id)).toEqual(['thr_p00', 'thr_p01']);
  });

  it("never returns another owner's thread", async () => {
    await store.saveThread('alice', thread('thr_a', 1));
    await expect(store.loadThread('bob', 'thr_a')).rejects.toThrow(/not found/);
    expect((await store.loadThreads('bob', { limit: 20, order: 'desc' })).data).toEqual([]);
  });
});

describe('items', () => {
  it('orders by created_at, breaks ties by id, and pages both ways', async () => {
    await store.saveThread('alice', thread('thr_i', 0));
    // Inserted out of order; msg_b and msg_c share a timestamp.
    for (const [id, n] of [
      ['msg_d', 4],
      ['msg_a', 1],
      ['msg_c', 2],
      ['msg_b', 2],
      ['msg_e', 5],
    ] as const) {
      await store.addItem('alice', 'thr_i', message('thr_i', id, n));
    }
    const desc = await store.loadThreadItems('alice', 'thr_i', { limit: 2, order: 'desc' });
    expect(desc.data.map((i) => i.id)).toEqual(['msg_e', 'msg_d']);
    expect(desc).toMatchObject({ has_more: true, after: 'msg_d' });
    const next = await store.loadThreadItems('alice', 'thr_i', { limit: 2, order: 'desc', after: 'msg_d' });
    expect(next.data.map((i) => i.id)).toEqual(['msg_c', 'msg_b']);
    const asc = await store.loadThreadItems('alice', 'thr_i', { limit: 10, order: 'asc' });
    expect(asc.data.map((i) => i.id)).toEqual(['msg_a', 'msg_b', 'msg_c', 'msg_d', 'msg_e']);
    expect(asc.has_more).toBe(false);
    expect((await store.loadThreadItems('bob', 'thr_i', { limit: 10, order: 'asc' })).data).toEqual([]);
  });

  it('adding the same item twice is an upsert', async () => {
    await store.addItem('alice', 'thr_u', message('thr_u', 'msg_x', 1));
    await store.addItem('alice', 'thr_u', {
      ...message('thr_u', 'msg_x', 1),
      content: [{ type: 'output_text', text: 'v2', annotations: [] }],
    });
    const page = await store.loadThreadItems('alice', 'thr_u', { limit: 10, order: 'asc' });
    expect(page.data.length).toBe(1);
    expect((page.data[0] as Extract<ThreadItem, { type: 'assistant_message' }>).content[0]!.text).toBe('v2');
  });

  it('re-derives a generated image URL from its blob on every read', async () => {
    const item: ThreadItem = {
      id: 'msg_img',
      thread_id: 'thr_g',
      created_at: at(1),
      type: 'generated_image',
      image: { id: 'ig_1', url: 'https://stale' },
    };
    await store.addItem('alice', 'thr_g', item, { name: 'images/alice/thr_g/ig_1.png', sha256: 'x', bytes: 3, contentType: 'image/png' });
    const loaded = await store.loadItem('alice', 'thr_g', 'msg_img');
    expect(loaded).toMatchObject({ image: { id: 'ig_1', url: 'https://files.test/images/alice/thr_g/ig_1.png?fresh' } });
  });

  it('deleting a thread deletes its items', async () => {
    await store.saveThread('alice', thread('thr_del', 1));
    await store.addItem('alice', 'thr_del', message('thr_del', 'msg_1', 1));
    await store.deleteThread('alice', 'thr_del');
    await expect(store.loadThread('alice', 'thr_del')).rejects.toThrow(/not found/);
    expect((await store.loadThreadItems('alice', 'thr_del', { limit: 10, order: 'asc' })).data).toEqual([]);
  });
});
