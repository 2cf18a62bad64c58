// Conformance, section H of docs/conformance.md: widget actions (streaming and sync), over real HTTP
// with the scripted conformance app.
//
// Not tested here: H8–H13 (widget streaming: the diff of successive widget roots into
// `widget.streaming_text.value_delta` / `widget.root.updated`). They test the reference's server-side
// helper that turns a sequence of roots into events; Switchyard's app API has no such helper yet, so
// there is nothing to drive over the wire. (G:08's recorded widget stream is replayed literally in
// golden-parity.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  ChatKitClient,
  kinds,
  snapshotStore,
  useConformanceSystem,
  storedItems,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

const hooks = (kind: string, threadId: string) =>
  sys
    .hookLog()
    .filter((h) => h.kind === kind && h.data.thread_id === threadId)
    .map((h) => h.data);
const customAction = (threadId: string, action: Json, itemId?: string) => ({
  type: 'threads.custom_action',
  params: { thread_id: threadId, ...(itemId ? { item_id: itemId } : {}), action },
});
const syncAction = (threadId: string, action: Json, itemId?: string) => ({
  type: 'threads.sync_custom_action',
  params: { thread_id: threadId, ...(itemId ? { item_id: itemId } : {}), action },
});

/** A thread whose responder left one widget (Card with Text "test"). */
async function widgetThread(tag = 'H1') {
  const { threadId, events } = await ck.create(`[${tag}] widget please`);
  const widget = events.find((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'widget')!.item as Json;
  return { threadId, widget, userId: (events[1]!.item as Json).id as string };
}

describe('H. actions and widgets', () => {
  it('H1: a custom action on a widget reaches the handler with the stored widget; exactly stream_options and the update', async () => {
    const { threadId, widget } = await widgetThread('H1');
    expect(widget.widget).toEqual({ type: 'Card', children: [{ type: 'Text', id: 'text_1', key: 'text_1', value: 'test' }] });
    const answer = await ck.stream(customAction(threadId, { type: 'create_user', payload: { user_id: '123' } }, widget.id as string));
    expect(kinds(answer.events)).toEqual(['stream_options', 'updated:widget.root.updated']);
    expect(answer.events[1]).toEqual({
      type: 'thread.item.updated',
      item_id: widget.id,
      update: { type: 'widget.root.updated', widget: { type: 'Card', children: [{ type: 'Text', value: 'Email sent!' }] } },
    });
    const [call] = hooks('action', threadId);
    expect(call!.action).toEqual({ type: 'create_user', payload: { user_id: '123' } });
    expect(call!.sender).toEqual(widget);
    // An update to an item finished in an earlier stream is forwarded, not persisted (only pending items fold updates).
    expect((await ck.items(threadId)).find((i) => i.id === widget.id)).toEqual(widget);
  });

  it('H2: a custom action without item_id runs the handler with no sender through the normal pipeline', async () => {
    const { threadId } = await ck.create('[B1] no widget');
    const answer = await ck.stream(customAction(threadId, { type: 'client.sent' }));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.done:assistant_message']);
    const [call] = hooks('action', threadId);
    expect(call!.sender).toBeNull();
    expect(call!.action).toEqual({ type: 'client.sent' });
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
  });

  it('H3: a custom action naming a non-widget item is exactly one stream.error event without stream_options', async () => {
    const { threadId, userId } = await widgetThread('H1');
    const before = await snapshotStore(sys.db);
    const answer = await ck.stream(customAction(threadId, { type: 'x' }, userId));
    expect(answer.events).toEqual([{ type: 'error', code: 'stream.error', allow_retry: false }]);
    expect(hooks('action', threadId)).toEqual([]);
    expect(await snapshotStore(sys.db)).toBe(before);
    // Its sync counterpart — reference: exception → 500; Switchyard: 400 JSON (README "Errors before streaming").
    const sync = await ck.refused(syncAction(threadId, { type: 'x' }, userId));
    expect(sync.status).toBe(400);
    expect(sync.error.message).toMatch(/not a widget/);
    expect(hooks('sync_action', threadId)).toEqual([]);
  });

  it('H4: a replaced widget from the action handler is forwarded and persisted', async () => {
    const { threadId, widget } = await widgetThread('H4');
    const answer = await ck.stream(customAction(threadId, { type: 'replace' }, widget.id as string));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.replaced:widget']);
    const replaced = answer.events[1]!.item as Json;
    expect(replaced).toMatchObject({
      id: widget.id,
      widget: { type: 'Card', children: [{ type: 'Text', id: 'text_1', value: 'Replaced' }] },
    });
    expect((await ck.items(threadId)).find((i) => i.id === widget.id)).toEqual(replaced);
  });

  it('H5: threads.sync_custom_action answers {updated_item} from the sync handler, which got the action and the sender', async () => {
    const { threadId, widget } = await widgetThread('H5');
    const body = await ck.json(syncAction(threadId, { type: 'create_user', payload: { user_id: '123' } }, widget.id as string));
    expect(body).toEqual({ updated_item: { ...widget, widget: { type: 'Card', children: [{ type: 'Text', value: 'Email sent!' }] } } });
    const [call] = hooks('sync_action', threadId);
    expect(call!.action).toEqual({ type: 'create_user', payload: { user_id: '123' } });
    expect(call!.sender).toEqual(widget);
  });

  it('H6: a sync action that returns no item answers {}', async () => {
    const { threadId, widget } = await widgetThread('H5');
    const answer = await ck.send(syncAction(threadId, { type: 'noop' }, widget.id as string));
    expect(answer).toMatchObject({ kind: 'json', status: 200, text: '{}' });
    const noSender = await ck.send(syncAction(threadId, { type: 'toggle' }));
    expect(noSender).toMatchObject({ kind: 'json', status: 200, text: '{}' });
    expect(hooks('sync_action', threadId).map((c) => c.sender === null)).toEqual([false, true]);
  });

  it('H7: the sync action result is not persisted by the server', async () => {
    const { threadId, widget } = await widgetThread('H7');
    const before = await snapshotStore(sys.db);
    await ck.json(syncAction(threadId, { type: 'create_user' }, widget.id as string));
    expect(await snapshotStore(sys.db)).toBe(before);
    expect((await storedItems(sys.db, threadId)).find((i) => i.id === widget.id)).toEqual(widget);
  });
});
