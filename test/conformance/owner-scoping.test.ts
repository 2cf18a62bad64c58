// Owner scoping over HTTP, for every request type, the upload routes and the run routes: another
// user's (`X-Switchyard-User: mallory`) thread, item, attachment or run is a 404 — indistinguishable
// from a missing one — and nothing changes in MongoDB nor reaches an app hook. Each case then shows
// that the owner's identical request works, so the 404 is about the owner and not the request.
// (The reference leaves isolation to its Store, docs/conformance.md L9; this is its wire counterpart.)
import { describe, expect, it } from 'vitest';
import {
  ChatKitClient,
  PNG_1X1,
  eventually,
  snapshotStore,
  useConformanceSystem,
  storedAttachment,
  storedItems,
  storedThread,
  userInput,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';

let sys: ConformanceSystem;
let dev: ChatKitClient;
let mallory: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  dev = new ChatKitClient(sys.url);
  mallory = dev.as('mallory');
});

/** Runs `attempt` as mallory: it must be a 404 that changes no document and calls no hook. */
async function unchangedAfter(attempt: () => Promise<{ status: number }>): Promise<void> {
  const before = await snapshotStore(sys.db);
  const hooks = sys.hookLog().length;
  const res = await attempt();
  expect(res.status).toBe(404);
  expect(await snapshotStore(sys.db)).toBe(before);
  expect(sys.hookLog()).toHaveLength(hooks);
}

async function refusedForMallory(body: Json): Promise<void> {
  await unchangedAfter(async () => {
    const res = await mallory.refused(body);
    expect(res.error.code).toBe('not_found');
    return res;
  });
}

const createAttachment = (client: ChatKitClient, name: string, mimeType: string, size = 10) =>
  client.json({ type: 'attachments.create', params: { name, size, mime_type: mimeType } });

describe('owner scoping: another user’s resources are a 404 and change nothing', () => {
  it('threads.create naming another user’s attachment', async () => {
    const a = await createAttachment(dev, 'mine.txt', 'text/plain');
    const body = { type: 'threads.create', params: { input: userInput('[B1] steal', { attachments: [a.id] }) } };
    await refusedForMallory(body);
    const { threadId } = await dev.create('[B1] mine', { input: { attachments: [a.id] } });
    expect((await storedAttachment(sys.db, a.id as string))!.thread_id).toBe(threadId);
  });

  it('threads.add_user_message', async () => {
    const { threadId } = await dev.create('[B1] private');
    const body = { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('[B1] hi') } };
    await refusedForMallory(body);
    await dev.stream(body);
  });

  it('threads.add_client_tool_output', async () => {
    const { threadId } = await dev.create('[F1] tool');
    const body = { type: 'threads.add_client_tool_output', params: { thread_id: threadId, result: { stolen: true } } };
    await refusedForMallory(body);
    expect((await storedItems(sys.db, threadId)).find((i) => i.type === 'client_tool_call')!.status).toBe('pending');
    await dev.stream(body);
  });

  it('threads.add_structured_input', async () => {
    const { threadId, events } = await dev.create('[I1] ask');
    const itemId = (events[3]!.item as Json).id as string;
    const body = {
      type: 'threads.add_structured_input',
      params: { thread_id: threadId, item_id: itemId, input: { answers: { subject: { values: ['Math'] } } } },
    };
    await refusedForMallory(body);
    await dev.stream(body);
  });

  it('threads.retry_after_item', async () => {
    const { threadId, events } = await dev.create('[B2] retry');
    const userId = (events[1]!.item as Json).id as string;
    const body = { type: 'threads.retry_after_item', params: { thread_id: threadId, item_id: userId } };
    await refusedForMallory(body);
    await dev.stream(body);
  });

  it('threads.custom_action (with and without item_id)', async () => {
    const { threadId, events } = await dev.create('[H1] widget');
    const widgetId = (events[3]!.item as Json).id as string;
    const withItem = { type: 'threads.custom_action', params: { thread_id: threadId, item_id: widgetId, action: { type: 'create_user' } } };
    await refusedForMallory(withItem);
    await refusedForMallory({ type: 'threads.custom_action', params: { thread_id: threadId, action: { type: 'create_user' } } });
    await dev.stream(withItem);
  });

  it('threads.get_by_id', async () => {
    const { threadId } = await dev.create('[B1] read me');
    const body = { type: 'threads.get_by_id', params: { thread_id: threadId } };
    await refusedForMallory(body);
    await dev.json(body);
  });

  it('threads.list shows only one’s own threads, whatever the cursor', async () => {
    const { threadId } = await dev.create('[B1] listed');
    const own = await mallory.create('[B1] mallory’s own');
    for (const params of [{}, { after: threadId }, { order: 'asc' }]) {
      const before = await snapshotStore(sys.db);
      const page = await mallory.json<{ data: Json[] }>({ type: 'threads.list', params: { limit: 100, ...params } });
      expect(page.data.map((t) => t.id)).not.toContain(threadId);
      expect(page.data.map((t) => t.id)).toContain(own.threadId);
      expect(await snapshotStore(sys.db)).toBe(before);
    }
    const devPage = await dev.json<{ data: Json[] }>({ type: 'threads.list', params: { limit: 100 } });
    expect(devPage.data.map((t) => t.id)).toContain(threadId);
    expect(devPage.data.map((t) => t.id)).not.toContain(own.threadId);
  });

  it('items.list', async () => {
    const { threadId, events } = await dev.create('[B2] items');
    await refusedForMallory({ type: 'items.list', params: { thread_id: threadId } });
    // Another user's item id as a cursor in one's own thread reveals nothing either.
    const own = await mallory.create('[B1] own');
    const page = await mallory.json<{ data: Json[] }>({
      type: 'items.list',
      params: { thread_id: own.threadId, after: (events[1]!.item as Json).id },
    });
    expect(page.data.map((i) => i.thread_id)).toEqual([own.threadId]);
    expect((await dev.items(threadId)).length).toBe(2);
  });

  it('items.feedback', async () => {
    const { threadId, events } = await dev.create('[B2] rate');
    const body = {
      type: 'items.feedback',
      params: { thread_id: threadId, item_ids: [(events[events.length - 1]!.item as Json).id], kind: 'negative' },
    };
    await refusedForMallory(body);
    await dev.json(body);
    expect(
      sys
        .hookLog()
        .filter((h) => h.kind === 'feedback')
        .pop()!.data,
    ).toMatchObject({ threadId, owner: 'dev' });
  });

  it('attachments.create makes an attachment only its creator can use', async () => {
    const a = await createAttachment(mallory, 'mallory.txt', 'text/plain');
    expect((await sys.db.collection('attachments').findOne({ _id: a.id as never }))!.owner).toBe('mallory');
    await unchangedAfter(() => dev.refused({ type: 'attachments.delete', params: { attachment_id: a.id } }));
    await unchangedAfter(() =>
      dev.refused({ type: 'threads.create', params: { input: userInput('[B1] borrow', { attachments: [a.id] }) } }),
    );
    await mallory.json({ type: 'attachments.delete', params: { attachment_id: a.id } });
  });

  it('attachments.delete', async () => {
    const a = await createAttachment(dev, 'keep.txt', 'text/plain');
    const body = { type: 'attachments.delete', params: { attachment_id: a.id } };
    await refusedForMallory(body);
    expect(await storedAttachment(sys.db, a.id as string)).not.toBeNull();
    await dev.json(body);
    expect(await storedAttachment(sys.db, a.id as string)).toBeNull();
  });

  it('threads.update', async () => {
    const { threadId } = await dev.create('[B1] rename');
    const body = { type: 'threads.update', params: { thread_id: threadId, title: 'Hijacked' } };
    await refusedForMallory(body);
    expect(await storedThread(sys.db, threadId)).not.toHaveProperty('title');
    await dev.json(body);
  });

  it('threads.delete', async () => {
    const { threadId } = await dev.create('[B2] delete');
    const body = { type: 'threads.delete', params: { thread_id: threadId } };
    await refusedForMallory(body);
    expect(await storedThread(sys.db, threadId)).not.toBeNull();
    expect(await storedItems(sys.db, threadId)).toHaveLength(2);
    await dev.json(body);
    expect(await storedThread(sys.db, threadId)).toBeNull();
  });

  it('input.transcribe touches no stored resource', async () => {
    // The one request with nothing owned to refer to: it works for anyone and writes nothing.
    const before = await snapshotStore(sys.db);
    const body = await mallory.json({
      type: 'input.transcribe',
      params: { audio_base64: Buffer.from('mallory').toString('base64'), mime_type: 'audio/ogg' },
    });
    expect(body).toEqual({ text: expect.any(String) });
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('threads.sync_custom_action (with and without item_id)', async () => {
    const { threadId, events } = await dev.create('[H5] widget');
    const widgetId = (events[3]!.item as Json).id as string;
    const withItem = {
      type: 'threads.sync_custom_action',
      params: { thread_id: threadId, item_id: widgetId, action: { type: 'create_user' } },
    };
    await refusedForMallory(withItem);
    await refusedForMallory({ type: 'threads.sync_custom_action', params: { thread_id: threadId, action: { type: 'create_user' } } });
    expect(await dev.json(withItem)).toHaveProperty('updated_item');
  });

  it('POST /chatkit/uploads makes an attachment only its uploader can use', async () => {
    const res = await mallory.uploadDirect(PNG_1X1, 'mallory.png', 'image/png');
    expect(res.status).toBe(200);
    const a = res.body as Json;
    await unchangedAfter(() =>
      dev.refused({ type: 'threads.create', params: { input: userInput('[B1] borrow', { attachments: [a.id] }) } }),
    );
    await unchangedAfter(() => dev.refused({ type: 'attachments.delete', params: { attachment_id: a.id } }));
    const { events } = await mallory.create('[B1] mine', { input: { attachments: [a.id] } });
    expect(((events[1]!.item as Json).attachments as Json[])[0]).toMatchObject({ id: a.id });
  });

  it('PUT /chatkit/uploads/:id, even with the owner’s upload token', async () => {
    const a = await createAttachment(dev, 'photo.png', 'image/png', PNG_1X1.length);
    const d = a.upload_descriptor as { url: string; headers: Record<string, string> };
    await unchangedAfter(() => mallory.upload(d.url, PNG_1X1, d.headers, 'image/png'));
    expect((await fetch(a.preview_url as string)).status).toBe(404);
    const ok = await dev.upload(d.url, PNG_1X1, d.headers, 'image/png');
    expect(ok.status).toBe(200);
    expect((await fetch((ok.body as Json).preview_url as string)).status).toBe(200);
  });

  it('GET /chatkit/runs/:id/events', async () => {
    const { answer } = await dev.create('[B2] replay');
    const runId = answer.headers.get('x-switchyard-run-id')!;
    expect(runId).toMatch(/^run_/);
    await unchangedAfter(() => mallory.runEvents(runId));
    await unchangedAfter(() => mallory.runEvents(runId, 2));
    const replay = await dev.runEvents(runId);
    if (replay.kind !== 'sse') throw new Error('re-attach must stream');
    expect(replay.events).toEqual(answer.events);
  });

  it('POST /chatkit/runs/:id/cancel leaves another user’s live run alone', async () => {
    const s = await dev.open({ type: 'threads.create', params: { input: userInput('[M1] long answer') } });
    await s.waitForEvents(5);
    const runId = s.headers.get('x-switchyard-run-id')!;
    const threadId = (s.events[0]!.thread as Json).id as string;
    await unchangedAfter(() => mallory.cancelRun(runId));
    // Still running: nothing more arrives, the stream stays open and no cancellation note is written.
    await new Promise((r) => setTimeout(r, 500));
    expect(s.events).toHaveLength(5);
    expect((await storedItems(sys.db, threadId)).map((i) => i.type)).toEqual(['user_message']);
    const res = await dev.cancelRun(runId);
    expect(res).toEqual({ status: 202, body: {} });
    await s.done;
    const items = await eventually(async () => {
      const stored = await storedItems(sys.db, threadId);
      return stored.some((i) => i.type === 'sdk_hidden_context') ? stored : undefined;
    });
    expect(items.map((i) => i.type)).toEqual(['user_message', 'assistant_message', 'sdk_hidden_context']);
  });
});
