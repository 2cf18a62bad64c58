// Conformance, sections B–E of docs/conformance.md: thread lifecycle, the response pipeline and
// persistence, thread metadata changes and errors, driven over HTTP with the scripted conformance app
// (test/fixtures/conformance-app.ts). Every answer is validated by ChatKitClient.
//
// Not tested here, on purpose:
//   B5  — context object identity across hooks is a property of the reference's Python API with no
//         wire effect (the owner reaching the hooks is checked in owner-scoping.test.ts and K2).
//   B12 — custom id generators are a reference-internal extension point with no wire effect.
//   E5  — the reference fails without an AttachmentStore; Switchyard always has one (the blob store is
//         required configuration), so the test below asserts that create/delete work instead.
import { describe, expect, it } from 'vitest';
import {
  ChatKitClient,
  ISO_Z,
  kinds,
  snapshotStore,
  useConformanceSystem,
  startExtraGateway,
  storedAttachment,
  storedItems,
  storedThread,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

const STREAMED_ASSISTANT = [
  'thread.item.added:assistant_message',
  'updated:assistant_message.content_part.added',
  'updated:assistant_message.content_part.text_delta',
  'updated:assistant_message.content_part.text_delta',
  'updated:assistant_message.content_part.annotation_added',
  'updated:assistant_message.content_part.done',
  'thread.item.done:assistant_message',
];

const respondCalls = (threadId: string) =>
  sys
    .hookLog()
    .filter((h) => h.kind === 'respond' && h.data.thread_id === threadId)
    .map((h) => h.data);

describe('B. thread lifecycle', () => {
  it('B1: a responder that yields nothing → thread.created, done(user), stream_options; no title', async () => {
    const { events, threadId } = await ck.create('[B1] Hello, world!', { input: { quoted_text: 'Quoted text' } });
    expect(kinds(events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options']);
    expect(events[0]!.thread).not.toHaveProperty('title');
    expect(events[1]!.item).toMatchObject({
      content: [{ type: 'input_text', text: '[B1] Hello, world!' }],
      quoted_text: 'Quoted text',
      attachments: [],
      inference_options: {},
    });
    expect(events[2]).toEqual({ type: 'stream_options', stream_options: { allow_cancel: true } });
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message']);
    expect(await storedThread(sys.db, threadId)).toMatchObject({ id: threadId, status: { type: 'active' } });
  });

  it('B2: one streamed assistant message arrives in exactly the reference order and is stored', async () => {
    const { events, threadId } = await ck.create('[B2] hi');
    expect(kinds(events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options', ...STREAMED_ASSISTANT]);
    const stored = await ck.items(threadId);
    expect(stored.map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    expect(stored[1]!.content).toEqual([
      {
        annotations: [{ type: 'annotation', source: { title: 'Example', type: 'url', url: 'https://example.com' }, index: 13 }],
        text: 'Hello, world!',
        type: 'output_text',
      },
    ]);
  });

  it('B3: add_user_message streams the same response without thread.created', async () => {
    const { threadId } = await ck.create('[B1] first');
    const events = await ck.addMessage(threadId, '[B3] again');
    expect(kinds(events)).toEqual(['thread.item.done:user_message', 'stream_options', ...STREAMED_ASSISTANT]);
    expect((events[0]!.item as Json).thread_id).toBe(threadId);
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'user_message', 'assistant_message']);
  });

  it('B4: inference_options (tool choice, model) reach the responder on create and add_user_message', async () => {
    const { events, threadId } = await ck.create('[B4] search', {
      input: { inference_options: { tool_choice: { id: 'web_search' }, model: 'gpt-x' } },
    });
    expect((events[1]!.item as Json).inference_options).toEqual({ tool_choice: { id: 'web_search' }, model: 'gpt-x' });
    await ck.addMessage(threadId, '[B4] retrieve', { input: { inference_options: { tool_choice: { id: 'retrieval' } } } });
    const calls = respondCalls(threadId);
    expect(calls.map((c) => [c.tool_choice, c.model])).toEqual([
      [{ id: 'web_search' }, 'gpt-x'],
      [{ id: 'retrieval' }, null],
    ]);
    expect(calls.map((c) => ((c.input as Json).inference_options as Json).tool_choice)).toEqual([
      { id: 'web_search' },
      { id: 'retrieval' },
    ]);
  });

  it('B6: threads.get_by_id returns the thread with its user message, ascending, has_more false', async () => {
    const { events, threadId } = await ck.create('[B1] Hello, world!');
    const thread = await ck.thread(threadId);
    expect(thread).toMatchObject({ id: threadId, status: { type: 'active' }, metadata: {}, items: { has_more: false } });
    expect(thread).not.toHaveProperty('title');
    expect((thread.items as Json).data).toEqual([events[1]!.item]);
    expect(thread.items).not.toHaveProperty('after');
  });

  it('B7: threads.get_by_id on a thread with more than 20 items returns the oldest 20 ascending with has_more', async () => {
    const { threadId } = await ck.create('[B7] many');
    const all = await ck.items(threadId);
    expect(all).toHaveLength(26);
    const thread = await ck.thread(threadId);
    const page = thread.items as { data: Json[]; has_more: boolean; after?: string };
    expect(page.data.map((i) => i.id)).toEqual(all.slice(0, 20).map((i) => i.id));
    expect(page.data[0]!.type).toBe('user_message');
    expect(page.has_more).toBe(true);
    expect(page.after).toBe(all[19]!.id);
  });

  it('B8: threads.update renames the thread (JSON answer, empty items page, no stream) and persists it', async () => {
    const { threadId } = await ck.create('[B1] x');
    const updated = await ck.json({ type: 'threads.update', params: { thread_id: threadId, title: 'New Title' } });
    expect(updated).toMatchObject({
      id: threadId,
      title: 'New Title',
      items: { data: [], has_more: false },
      metadata: {},
      status: { type: 'active' },
    });
    expect(await ck.thread(threadId)).toMatchObject({ title: 'New Title' });
    expect(await storedThread(sys.db, threadId)).toMatchObject({ title: 'New Title' });
    // The title is required and non-null (reference: ValidationError → 500; Switchyard: 400 JSON).
    const before = await snapshotStore(sys.db);
    expect((await ck.refused({ type: 'threads.update', params: { thread_id: threadId, title: null } })).status).toBe(400);
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('B9: threads.delete answers exactly {} and the thread is gone (404) with its items; attachments stay', async () => {
    const a = await ck.json({ type: 'attachments.create', params: { name: 'kept.txt', size: 4, mime_type: 'text/plain' } });
    const { threadId } = await ck.create('[B2] x', { input: { attachments: [a.id] } });
    const del = await ck.send({ type: 'threads.delete', params: { thread_id: threadId } });
    expect(del).toMatchObject({ kind: 'json', status: 200, text: '{}' });
    // Reference: NotFoundError → 500; Switchyard answers 404 (README "Errors before streaming").
    const gone = await ck.refused({ type: 'threads.get_by_id', params: { thread_id: threadId } });
    expect(gone.status).toBe(404);
    expect(gone.error.code).toBe('not_found');
    expect(await storedItems(sys.db, threadId)).toEqual([]);
    expect(await storedAttachment(sys.db, a.id as string)).toMatchObject({ id: a.id, thread_id: threadId });
  });

  it('B10: add_user_message to an unknown thread is refused and stores nothing', async () => {
    const before = await snapshotStore(sys.db);
    // Reference: 200 stream aborted by NotFoundError; Switchyard: 404 JSON before streaming (README "Errors before streaming").
    const res = await ck.refused({
      type: 'threads.add_user_message',
      params: { thread_id: 'thr_missing', input: { content: [{ type: 'input_text', text: 'x' }], attachments: [], inference_options: {} } },
    });
    expect(res.status).toBe(404);
    expect(res.error.code).toBe('not_found');
    expect(res.error.message).toMatch(/thr_missing/);
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('B11: threads.get_by_id of an unknown thread is an error', async () => {
    const before = await snapshotStore(sys.db);
    // Reference: NotFoundError → HTTP 500; Switchyard: 404 with a JSON error (README "Errors before streaming").
    const res = await ck.refused({ type: 'threads.get_by_id', params: { thread_id: 'thr_missing' } });
    expect(res.status).toBe(404);
    expect(res.error.message).toMatch(/thr_missing/);
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('B13: default ids carry the reference prefixes (thr_, msg_, tc_, tsk_, wf_)', async () => {
    const { events, threadId } = await ck.create('[B13] ids');
    // Switchyard's generator: `<prefix>_<16 hex>` (README "Ids"); the reference uses 8 hex digits.
    expect(threadId).toMatch(/^thr_[0-9a-f]{16}$/);
    const items = events.filter((e) => e.type === 'thread.item.done').map((e) => e.item as Json);
    const idOf = (type: string) => items.find((i) => i.type === type)!.id;
    expect(idOf('user_message')).toMatch(/^msg_[0-9a-f]{16}$/);
    expect(idOf('task')).toMatch(/^tsk_[0-9a-f]{16}$/);
    expect(idOf('workflow')).toMatch(/^wf_[0-9a-f]{16}$/);
    expect(idOf('assistant_message')).toMatch(/^msg_[0-9a-f]{16}$/);
    expect(idOf('client_tool_call')).toMatch(/^tc_[0-9a-f]{16}$/);
    for (const i of items) expect(i.created_at).toMatch(ISO_Z);
  });
});

describe('C. response pipeline and persistence', () => {
  it('C1: a progress update then an assistant message: exactly five events', async () => {
    const { events, threadId } = await ck.create('[C1]');
    expect(kinds(events)).toEqual([
      'thread.created',
      'thread.item.done:user_message',
      'stream_options',
      'progress_update',
      'thread.item.done:assistant_message',
    ]);
    expect(events[3]).toEqual({ type: 'progress_update', text: 'Tool status' });
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
  });

  it('C2: added then removed never reaches the store', async () => {
    const { events, threadId } = await ck.create('[C2]');
    expect(kinds(events).slice(3)).toEqual([
      'thread.item.added:assistant_message',
      'thread.item.removed',
      'thread.item.done:assistant_message',
    ]);
    expect(events[4]).toEqual({ type: 'thread.item.removed', item_id: 'msg_tmp' });
    expect((await ck.items(threadId)).map((i) => i.id)).toEqual([expect.stringMatching(/^msg_/), 'msg_keep']);
  });

  it('C3: an item done then removed is streamed as removed and deleted from the store', async () => {
    const { events, threadId } = await ck.create('[C3]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:user_message', 'thread.item.removed']);
    expect(events[4]).toEqual({ type: 'thread.item.removed', item_id: 'msg_x' });
    expect((await ck.items(threadId)).map((i) => i.id)).not.toContain('msg_x');
  });

  it('C4: replaced swaps the stored item, even to another type', async () => {
    const { events, threadId } = await ck.create('[C4]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:user_message', 'thread.item.replaced:assistant_message']);
    const x = (await ck.items(threadId)).find((i) => i.id === 'msg_x')!;
    expect(x.type).toBe('assistant_message');
    expect((x.content as Json[])[0]).toMatchObject({ text: 'replacement' });
  });

  it('C5: a replaced widget carries the new widget, which is stored', async () => {
    const { events, threadId } = await ck.create('[C5]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:widget', 'thread.item.replaced:widget']);
    const card = { type: 'Card', children: [{ type: 'Text', value: 'New card' }] };
    expect((events[4]!.item as Json).widget).toEqual(card);
    const w = (await ck.items(threadId)).find((i) => i.id === 'msg_w')!;
    expect(w.widget).toEqual(card);
  });

  it('C6: hidden context items are stored silently and never listed', async () => {
    const { events, threadId } = await ck.create('[C6]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:assistant_message']);
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    expect(((await ck.thread(threadId)).items as { data: Json[] }).data.map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    const stored = await storedItems(sys.db, threadId);
    expect(stored.map((i) => i.type)).toEqual(['user_message', 'hidden_context_item', 'sdk_hidden_context', 'assistant_message']);
    // Hidden items are filtered after paging (docs/protocol.md §3.2): a page may be short while has_more is true.
    const page = await ck.json<{ data: Json[]; has_more: boolean; after?: string }>({
      type: 'items.list',
      params: { thread_id: threadId, limit: 2, order: 'asc' },
    });
    expect(page.data.map((i) => i.type)).toEqual(['user_message']);
    expect(page.has_more).toBe(true);
    expect(page.after).toBe(stored[1]!.id);
  });

  it('C7: the stored workflow has exactly the one task the app added (no aliasing)', async () => {
    const { events, threadId } = await ck.create('[C7]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.added:workflow', 'updated:workflow.task.added', 'thread.item.done:workflow']);
    const done = events.find((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'workflow')!;
    expect(((done.item as Json).workflow as Json).tasks).toHaveLength(1);
    const wf = (await ck.items(threadId)).find((i) => i.type === 'workflow')!;
    expect((wf.workflow as Json).tasks).toHaveLength(1);
  });

  it('C8: progress, notice, client effect, task, workflow and end_of_turn are forwarded in order; only items are stored', async () => {
    const { events, threadId } = await ck.create('[C8]');
    expect(kinds(events).slice(3)).toEqual([
      'progress_update',
      'notice',
      'client_effect',
      'thread.item.done:task',
      'thread.item.added:workflow',
      'updated:workflow.task.added',
      'updated:workflow.task.updated',
      'thread.item.done:workflow',
      'thread.item.done:end_of_turn',
    ]);
    expect(events[3]).toEqual({ type: 'progress_update', icon: 'search', text: 'Searching…' });
    expect(events[4]).toEqual({ type: 'notice', level: 'info', message: 'Heads **up**', title: 'Note' });
    expect(events[5]).toEqual({ type: 'client_effect', name: 'highlight', data: { id: 7 } });
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'task', 'workflow', 'end_of_turn']);
  });

  it('C9: stream_options is {allow_cancel: true} by default and false when the app says so', async () => {
    const byDefault = await ck.create('[B1]');
    expect(byDefault.events.filter((e) => e.type === 'stream_options')).toEqual([
      { type: 'stream_options', stream_options: { allow_cancel: true } },
    ]);
    const off = await ck.create('[B1]', { metadata: { allow_cancel: false } });
    expect(off.events.filter((e) => e.type === 'stream_options')).toEqual([
      { type: 'stream_options', stream_options: { allow_cancel: false } },
    ]);
  });

  it('C10: an item only added (never done) is not stored when the stream ends normally', async () => {
    const { events, threadId } = await ck.create('[C10]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.added:assistant_message']);
    expect((await storedItems(sys.db, threadId)).map((i) => i.type)).toEqual(['user_message']);
  });
});

describe('D. thread metadata changes', () => {
  it('D1: a title set by the app ends the stream as thread.updated and is stored', async () => {
    const { events, threadId } = await ck.create('[D1]');
    expect(kinds(events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options', 'thread.updated']);
    expect(events[3]).toMatchObject({
      type: 'thread.updated',
      thread: { id: threadId, title: 'Updated title', metadata: {}, items: { data: [], has_more: false } },
    });
    expect(await ck.thread(threadId)).toMatchObject({ title: 'Updated title' });
  });

  it('D2: server-side metadata set by the app is stored but streamed as metadata {}', async () => {
    const { events, threadId } = await ck.create('[D2]');
    const last = events[events.length - 1]!;
    expect(last.type).toBe('thread.updated');
    expect((last.thread as Json).metadata).toEqual({});
    expect((await storedThread(sys.db, threadId))!.metadata).toEqual({ server_key: 'server value' });
    expect((await ck.thread(threadId)).metadata).toEqual({});
  });

  it('D3: a locked status is streamed in thread.updated and stored', async () => {
    const { events, threadId } = await ck.create('[D3]');
    const last = events[events.length - 1]!;
    expect(last).toMatchObject({ type: 'thread.updated', thread: { status: { type: 'locked', reason: 'Because' } } });
    expect((await ck.thread(threadId)).status).toEqual({ type: 'locked', reason: 'Because' });
  });

  it('D4: allowed_image_domains are streamed in thread.updated and stored', async () => {
    const { events, threadId } = await ck.create('[D4]');
    const last = events[events.length - 1]!;
    expect(last).toMatchObject({ type: 'thread.updated', thread: { allowed_image_domains: ['images.example.com'] } });
    expect((await ck.thread(threadId)).allowed_image_domains).toEqual(['images.example.com']);
  });

  it('D5: with only a title set, neither thread.created nor thread.updated carries allowed_image_domains', async () => {
    const { events } = await ck.create('[D5]');
    const created = events.find((e) => e.type === 'thread.created')!;
    const updated = events.find((e) => e.type === 'thread.updated')!;
    expect(created.thread).not.toHaveProperty('allowed_image_domains');
    expect(updated.thread).not.toHaveProperty('allowed_image_domains');
    expect(updated.thread).toMatchObject({ title: 'Only title' });
  });

  it('D6: thread.updated follows the first event yielded after the change', async () => {
    const { events, threadId } = await ck.create('[D6]');
    expect(kinds(events).slice(3)).toEqual([
      'thread.item.done:assistant_message',
      'thread.item.done:assistant_message',
      'thread.updated',
      'thread.item.done:assistant_message',
    ]);
    expect((events[5]!.thread as Json).title).toBe('Mid-stream title');
    expect((await storedThread(sys.db, threadId))!.title).toBe('Mid-stream title');
  });

  it('D7: a title set before a failure is streamed after the error event', async () => {
    const { events, threadId } = await ck.create('[D7]');
    expect(kinds(events).slice(3)).toEqual(['error', 'thread.updated']);
    expect(events[3]).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
    expect((await storedThread(sys.db, threadId))!.title).toBe('Title before failure');
  });

  it('D8: no change, no thread.updated', async () => {
    const { events } = await ck.create('[B2]');
    expect(kinds(events)).not.toContain('thread.updated');
  });
});

describe('E. errors', () => {
  it('E1: a failing responder ends the stream with stream.error (no message); the user message stays', async () => {
    const { events, threadId } = await ck.create('[E1]');
    expect(kinds(events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options', 'progress_update', 'error']);
    expect(events[4]).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message']);
  });

  it('E2: a custom stream error is shown verbatim without retry', async () => {
    const { events } = await ck.create('[E2]');
    expect(kinds(events).slice(3)).toEqual(['error']);
    expect(events[3]).toEqual({ type: 'error', code: 'custom', message: 'Quota exceeded, try tomorrow.', allow_retry: false });
  });

  it('E3: a coded stream.error defaults to allow_retry true', async () => {
    const { events } = await ck.create('[E3]');
    expect(kinds(events).slice(3)).toEqual(['error']);
    expect(events[3]).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
  });

  it('E4: an error event the app yields itself is forwarded as is', async () => {
    const { events } = await ck.create('[E4]');
    expect(kinds(events).slice(3)).toEqual(['error']);
    expect(events[3]).toEqual({ type: 'error', code: 'custom', message: 'Own error event', allow_retry: false });
  });

  it('E5: attachments.create and attachments.delete work: Switchyard always has an attachment store', async () => {
    // Reference: RuntimeError (500) without an AttachmentStore. Switchyard cannot run without one (the
    // blob store is required configuration), so the operations the reference refuses simply work.
    const created = await ck.json({ type: 'attachments.create', params: { name: 'a.txt', size: 1, mime_type: 'text/plain' } });
    expect(created).toMatchObject({ name: 'a.txt', mime_type: 'text/plain', type: 'file' });
    await ck.json({ type: 'attachments.delete', params: { attachment_id: created.id } });
  });

  it('E6: input.transcribe without any transcription implementation is refused and changes nothing', async () => {
    // A gateway whose app has no `transcribe` hook (the conformance app offers one only with a model key).
    const bare = await startExtraGateway(sys, {});
    try {
      const before = await snapshotStore(sys.db);
      // Reference: the integration's NotImplementedError → 500; Switchyard: a JSON 4xx before anything happens.
      const res = await new ChatKitClient(bare.url).refused({
        type: 'input.transcribe',
        params: { audio_base64: 'AAFhYmM=', mime_type: 'audio/webm' },
      });
      expect(res.status).toBe(400);
      expect(res.error.message).toMatch(/transcription/);
      expect(await snapshotStore(sys.db)).toBe(before);
    } finally {
      await bare.stop();
    }
    // Starting one more gateway process can be slow while the rest of the suite loads the machine.
  }, 150_000);
});
