// Conformance, section L of docs/conformance.md: listing and pagination over HTTP.
//
// Not tested here: L6–L10 are unit tests of the reference's Store API (paging, ordering, cursors,
// per-user isolation and round-trips at the store interface); packages/store/test covers them for
// the MongoDB store. Their wire effects are L1–L5 below, and owner isolation over HTTP is
// owner-scoping.test.ts.
import { describe, expect, it } from 'vitest';
import { ChatKitClient, useConformanceSystem, type ConformanceSystem, type Json } from '../kit/conformance.ts';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

interface Page {
  data: Json[];
  has_more: boolean;
  after?: string;
}

describe('L. listing and pagination', () => {
  // One user of their own, so the list holds exactly these threads.
  const lister = () => ck.as('lister');
  const created: string[] = [];

  it('L1: 25 threads, threads.list limit 20 → the 20 newest, newest first, has_more and after', async () => {
    for (let i = 0; i < 25; i++) created.push((await lister().create(`[B1] thread ${i}`)).threadId);
    const page = await lister().json<Page>({ type: 'threads.list', params: { limit: 20 } });
    expect(page.data.map((t) => t.id)).toEqual([...created].reverse().slice(0, 20));
    const times = page.data.map((t) => Date.parse(t.created_at as string));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThan(times[i - 1]!);
    expect(page.has_more).toBe(true);
    expect(page.after).toBe(page.data[19]!.id);
    // A limit of null or 0 means the default page size, 20.
    for (const limit of [null, 0]) {
      const same = await lister().json<Page>({ type: 'threads.list', params: { limit } });
      expect(same).toEqual(page);
    }
  });

  it('L2: the next page after the cursor (default limit) → the 5 oldest, has_more false, no after', async () => {
    const first = await lister().json<Page>({ type: 'threads.list', params: { limit: 20 } });
    const page = await lister().json<Page>({ type: 'threads.list', params: { after: first.after } });
    expect(page.data.map((t) => t.id)).toEqual([...created].reverse().slice(20));
    expect(page.has_more).toBe(false);
    expect(page).not.toHaveProperty('after');
    // Ascending order pages the other way.
    const asc = await lister().json<Page>({ type: 'threads.list', params: { order: 'asc', limit: 3 } });
    expect(asc.data.map((t) => t.id)).toEqual(created.slice(0, 3));
    expect(asc.after).toBe(created[2]);
  });

  it('L3: 26 items, items.list → 20 newest first with has_more and after; the next page → the other 6', async () => {
    const { threadId } = await ck.create('[L3] many items');
    const all = (await ck.json<Page>({ type: 'items.list', params: { thread_id: threadId, order: 'asc', limit: 100 } })).data;
    expect(all).toHaveLength(26);
    const first = await ck.json<Page>({ type: 'items.list', params: { thread_id: threadId } });
    expect(first.data.map((i) => i.id)).toEqual(
      [...all]
        .reverse()
        .slice(0, 20)
        .map((i) => i.id),
    );
    expect(first.has_more).toBe(true);
    expect(first.after).toBe(first.data[19]!.id);
    const second = await ck.json<Page>({ type: 'items.list', params: { thread_id: threadId, after: first.after } });
    expect(second.data.map((i) => i.id)).toEqual(
      [...all]
        .reverse()
        .slice(20)
        .map((i) => i.id),
    );
    expect(second.data[5]!.type).toBe('user_message');
    expect(second.has_more).toBe(false);
    expect(second).not.toHaveProperty('after');
  });

  it('L4: items.list limit 2 ascending → the two oldest, after = the second id', async () => {
    const { threadId, events } = await ck.create('[B2] two');
    const page = await ck.json<Page>({ type: 'items.list', params: { thread_id: threadId, limit: 2, order: 'asc' } });
    const user = events[1]!.item as Json;
    const assistant = events[events.length - 1]!.item as Json;
    expect(page.data).toEqual([user, assistant]);
    // The reference pages with has_more computed by fetching limit+1: exactly two items → no more.
    expect(page.has_more).toBe(false);
    await ck.addMessage(threadId, '[B1] third');
    const again = await ck.json<Page>({ type: 'items.list', params: { thread_id: threadId, limit: 2, order: 'asc' } });
    expect(again.data.map((i) => i.id)).toEqual([user.id, assistant.id]);
    expect(again.has_more).toBe(true);
    expect(again.after).toBe(assistant.id);
  });

  it('L5: threads in list answers carry an empty items page', async () => {
    const { threadId } = await ck.as('lister-l5').create('[B2] with items');
    const page = await ck.as('lister-l5').json<Page>({ type: 'threads.list', params: {} });
    expect(page.data.map((t) => t.id)).toEqual([threadId]);
    expect(page.data[0]!.items).toEqual({ data: [], has_more: false });
    expect(page.data[0]!.metadata).toEqual({});
  });
});
