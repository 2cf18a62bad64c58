// Conformance, sections B–E: the response pipeline against the reference's scenarios
// (../shared/chatkit/SCENARIOS.md), driven over HTTP with the scripted conformance app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePageOfThreadItems, validateStreamEvent, validateThread } from '@switchyard/protocol/schema-validation';
import { postChatKit, postJson } from '../kit/sse-client.ts';
import { startConformanceSystem, type ConformanceSystem } from '../kit/conformance.ts';

type Json = Record<string, unknown>;
let sys: ConformanceSystem;

beforeAll(async () => {
  sys = await startConformanceSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const input = (text: string, extra: Json = {}) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {}, ...extra });

async function create(text: string, extra: Json = {}) {
  const s = await postChatKit(sys.url, { type: 'threads.create', params: { input: input(text, extra) } });
  expect(s.status).toBe(200);
  await s.done;
  const events = s.events.map((e) => e.data as Json);
  for (const e of events) validateStreamEvent(e);
  const threadId = ((events[0]!.thread as Json).id as string);
  return { events, threadId };
}

async function items(threadId: string, order: 'asc' | 'desc' = 'asc') {
  const res = await postJson(sys.url, { type: 'items.list', params: { thread_id: threadId, order } });
  validatePageOfThreadItems(res.body);
  return (res.body as { data: Json[] }).data;
}

const kinds = (events: Json[]) =>
  events.map((e) =>
    e.type === 'thread.item.updated' ? `updated:${(e.update as Json).type}` : e.item ? `${e.type}:${(e.item as Json).type}` : String(e.type),
  );

describe('B. thread lifecycle', () => {
  it('B1: a responder that yields nothing → thread.created, done(user), stream_options; no title', async () => {
    const { events, threadId } = await create('[B1] Hello, world!', { quoted_text: 'Quoted text' });
    expect(kinds(events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options']);
    expect(events[0]!.thread).not.toHaveProperty('title');
    expect((events[1]!.item as Json).quoted_text).toBe('Quoted text');
    expect(events[2]).toEqual({ type: 'stream_options', stream_options: { allow_cancel: true } });
    expect((await items(threadId)).map((i) => i.type)).toEqual(['user_message']);
  });

  it('B2: one streamed assistant message arrives in exactly the reference order and is stored', async () => {
    const { events, threadId } = await create('[B2] hi');
    expect(kinds(events).slice(3)).toEqual([
      'thread.item.added:assistant_message',
      'updated:assistant_message.content_part.added',
      'updated:assistant_message.content_part.text_delta',
      'updated:assistant_message.content_part.text_delta',
      'updated:assistant_message.content_part.annotation_added',
      'updated:assistant_message.content_part.done',
      'thread.item.done:assistant_message',
    ]);
    const stored = await items(threadId);
    expect(stored.map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    expect(((stored[1]!.content as Json[])[0] as Json).text).toBe('Hello, world!');
  });

  it('B8/B9: threads.update renames without a stream; threads.delete answers {} and the thread is gone', async () => {
    const { threadId } = await create('[B1] x');
    const upd = await postJson(sys.url, { type: 'threads.update', params: { thread_id: threadId, title: 'New Title' } });
    validateThread(upd.body);
    expect(upd.body).toMatchObject({ id: threadId, title: 'New Title', items: { data: [], has_more: false }, metadata: {} });
    const del = await postJson(sys.url, { type: 'threads.delete', params: { thread_id: threadId } });
    expect(del).toEqual({ status: 200, body: {} });
    expect((await postJson(sys.url, { type: 'threads.get_by_id', params: { thread_id: threadId } })).status).toBe(404);
  });
});

describe('C. response pipeline and persistence', () => {
  it('C2: added then removed never reaches the store', async () => {
    const { events, threadId } = await create('[C2]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.added:assistant_message', 'thread.item.removed', 'thread.item.done:assistant_message']);
    expect((await items(threadId)).map((i) => i.id)).toEqual([expect.stringMatching(/^msg_/), 'msg_keep']);
  });

  it('C6: hidden context items are stored silently and never listed', async () => {
    const { events, threadId } = await create('[C6]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:assistant_message']);
    expect((await items(threadId)).map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    const docs = await sys.db.collection('items').find({ thread_id: threadId }).toArray();
    expect(docs.map((d) => d.type).sort()).toEqual(['assistant_message', 'hidden_context_item', 'sdk_hidden_context', 'user_message']);
  });

  it('C7: the stored workflow has exactly the one task the app added (no aliasing)', async () => {
    const { events, threadId } = await create('[C7]');
    const done = events.find((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'workflow')!;
    expect(((done.item as Json).workflow as Json).tasks).toHaveLength(1);
    const wf = (await items(threadId)).find((i) => i.type === 'workflow')!;
    expect((wf.workflow as Json).tasks).toHaveLength(1);
  });
});

describe('D. thread metadata changes', () => {
  it('D1: a title set by the app ends the stream as thread.updated and is stored', async () => {
    const { events, threadId } = await create('[D1]');
    expect(events[events.length - 1]).toMatchObject({ type: 'thread.updated', thread: { id: threadId, title: 'Updated title', metadata: {} } });
    const got = await postJson(sys.url, { type: 'threads.get_by_id', params: { thread_id: threadId } });
    expect(got.body).toMatchObject({ title: 'Updated title' });
  });

  it('D6: thread.updated follows the first event yielded after the change', async () => {
    const { events } = await create('[D6]');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:assistant_message', 'thread.item.done:assistant_message', 'thread.updated', 'thread.item.done:assistant_message']);
  });

  it('D7: a title set before a failure is streamed after the error event', async () => {
    const { events } = await create('[D7]');
    expect(kinds(events).slice(3)).toEqual(['error', 'thread.updated']);
    expect(events[3]).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
  });

  it('D8: no change, no thread.updated', async () => {
    const { events } = await create('[B2]');
    expect(kinds(events)).not.toContain('thread.updated');
  });
});

describe('E. errors', () => {
  it('E1: a failing responder ends the stream with stream.error (no message); the user message stays', async () => {
    const { events, threadId } = await create('[E1]');
    expect(kinds(events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options', 'progress_update', 'error']);
    expect(events[4]).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
    expect((await items(threadId)).map((i) => i.type)).toEqual(['user_message']);
  });

  it('E2: a custom stream error is shown verbatim without retry', async () => {
    const { events } = await create('[E2]');
    expect(events[events.length - 1]).toEqual({ type: 'error', code: 'custom', message: 'Quota exceeded, try tomorrow.', allow_retry: false });
  });

  it('E3: a coded stream.error defaults to allow_retry true', async () => {
    const { events } = await create('[E3]');
    expect(events[events.length - 1]).toEqual({ type: 'error', code: 'stream.error', allow_retry: true });
  });
});

describe('M. cancellation', () => {
  it('M1: a client that disconnects mid-answer leaves the partial text and the hidden note', async () => {
    const s = await postChatKit(sys.url, { type: 'threads.create', params: { input: input('[M1]') } });
    await s.waitForEvents(5);
    const threadId = ((s.events[0]!.data as Json).thread as Json).id as string;
    s.abort();
    await s.done;
    const deadline = Date.now() + 10_000;
    let docs: Json[] = [];
    while (Date.now() < deadline) {
      docs = (await sys.db.collection('items').find({ thread_id: threadId }).sort({ created_at: 1 }).toArray()) as Json[];
      if (docs.some((d) => d.type === 'sdk_hidden_context')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(docs.map((d) => d.type)).toEqual(['user_message', 'assistant_message', 'sdk_hidden_context']);
    expect((((docs[1]!.item as Json).content as Json[])[0] as Json).text).toBe('Hello, World!');
    expect((docs[2]!.item as Json).content).toBe('The user cancelled the stream. Stop responding to the prior request.');
  });
});
