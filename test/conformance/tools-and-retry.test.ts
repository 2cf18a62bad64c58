// Conformance, sections F (client tool calls) and G (retry) of docs/conformance.md, over real HTTP with
// the scripted conformance app.
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

const respondCalls = (threadId: string) =>
  sys
    .hookLog()
    .filter((h) => h.kind === 'respond' && h.data.thread_id === threadId)
    .map((h) => h.data);
const toolOutput = (threadId: string, result: unknown) => ({
  type: 'threads.add_client_tool_output',
  params: { thread_id: threadId, result },
});
const retry = (threadId: string, itemId: string) => ({
  type: 'threads.retry_after_item',
  params: { thread_id: threadId, item_id: itemId },
});

describe('F. client tool calls', () => {
  let threadId: string;
  let f2Events: Json[];

  it('F1: a responder that yields a client tool call: exactly four events, the call pending with its fields', async () => {
    const created = await ck.create('[F1] use the tool');
    threadId = created.threadId;
    expect(kinds(created.events)).toEqual([
      'thread.created',
      'thread.item.done:user_message',
      'stream_options',
      'thread.item.done:client_tool_call',
    ]);
    expect(created.events[3]!.item).toMatchObject({
      id: 'msg_1',
      thread_id: threadId,
      type: 'client_tool_call',
      status: 'pending',
      call_id: 'tool_call_1',
      name: 'tool_call_1',
      arguments: { arg1: 'val1', arg2: false },
    });
    expect(created.events[3]!.item).not.toHaveProperty('output');
  });

  it('F2: add_client_tool_output continues with exactly stream_options and the response; the responder gets no input', async () => {
    const answer = await ck.stream(toolOutput(threadId, { text: 'Wow!' }));
    f2Events = answer.events;
    expect(kinds(f2Events)).toEqual(['stream_options', 'thread.item.done:assistant_message']);
    const calls = respondCalls(threadId);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.input).toBeNull();
  });

  it('F3: the completed call is stored with its output, silently (no event for it)', async () => {
    expect(f2Events.some((e) => (e.item as Json | undefined)?.type === 'client_tool_call')).toBe(false);
    const call = (await ck.items(threadId)).find((i) => i.id === 'msg_1')!;
    expect(call).toMatchObject({ type: 'client_tool_call', status: 'completed', output: { text: 'Wow!' }, call_id: 'tool_call_1' });
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'client_tool_call', 'assistant_message']);
  });

  it('F4: a tool output when the newest item is not a pending client tool call is refused and changes nothing', async () => {
    const before = await snapshotStore(sys.db);
    const calls = respondCalls(threadId).length;
    // Reference: 200 stream aborted with no events (ValueError in set-up); Switchyard: 409 JSON before streaming (README "Errors before streaming").
    const res = await ck.refused(toolOutput(threadId, 1));
    expect(res.status).toBe(409);
    expect(res.error.code).toBe('conflict');
    expect(await snapshotStore(sys.db)).toBe(before);
    expect(respondCalls(threadId)).toHaveLength(calls);
  });

  it('F5: a result of null is accepted (the key must be present)', async () => {
    const { threadId: t } = await ck.create('[F1] null result');
    const answer = await ck.stream(toolOutput(t, null));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.done:assistant_message']);
    const call = (await ck.items(t)).find((i) => i.type === 'client_tool_call')!;
    expect(call.status).toBe('completed');
    // output None is omitted on the wire (exclude none).
    expect(call).not.toHaveProperty('output');
    // A missing result is not a null result.
    const missing = await ck.refused({ type: 'threads.add_client_tool_output', params: { thread_id: t } });
    expect(missing.status).toBe(400);
    expect(missing.error.message).toMatch(/result/);
  });

  it('F6: after a tool output, other pending tool calls among the newest items are deleted', async () => {
    const { threadId: t, events } = await ck.create('[F6] two calls');
    expect(kinds(events).slice(3)).toEqual(['thread.item.done:client_tool_call', 'thread.item.done:client_tool_call']);
    await ck.stream(toolOutput(t, { picked: 2 }));
    const items = await storedItems(sys.db, t);
    expect(items.map((i) => [i.id, i.type, i.status ?? null])).toEqual([
      [expect.stringMatching(/^msg_/), 'user_message', null],
      ['tc_f6_2', 'client_tool_call', 'completed'],
      [expect.stringMatching(/^msg_/), 'assistant_message', null],
    ]);
  });
});

describe('G. retry', () => {
  it('G1: retry after the user message replaces the answer: exactly stream_options and the new answer', async () => {
    const { threadId, events } = await ck.create('[G1] Hello, world!');
    const user = events[1]!.item as Json;
    expect(((events[3]!.item as Json).content as Json[])[0]).toMatchObject({ text: 'First response' });
    const answer = await ck.stream(retry(threadId, user.id as string));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.done:assistant_message']);
    expect(((answer.events[1]!.item as Json).content as Json[])[0]).toMatchObject({ text: 'Retried response' });
    const calls = respondCalls(threadId);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.input).toEqual(calls[0]!.input);
    expect(calls[0]!.input).toEqual(user);
    const desc = await ck.items(threadId, { order: 'desc' });
    expect(desc.map((i) => [i.type, ((i.content as Json[])[0] as Json).text])).toEqual([
      ['assistant_message', 'Retried response'],
      ['user_message', '[G1] Hello, world!'],
    ]);
  });

  it('G2: retry with an item that is not a user message is refused; nothing is deleted', async () => {
    const { threadId, events } = await ck.create('[G1] retry me');
    const assistantId = (events[3]!.item as Json).id as string;
    const before = await snapshotStore(sys.db);
    // Reference: 200 stream aborted ("not a user message"); Switchyard: 400 JSON before streaming (README "Errors before streaming").
    const res = await ck.refused(retry(threadId, assistantId));
    expect(res.status).toBe(400);
    expect(res.error.message).toMatch(/not a user message/);
    expect(await snapshotStore(sys.db)).toBe(before);
    expect(respondCalls(threadId)).toHaveLength(1);
  });

  async function fourItems() {
    const { threadId } = await ck.create('First message');
    await ck.addMessage(threadId, 'Second message');
    const items = await ck.items(threadId);
    expect(items.map((i) => i.type)).toEqual(['user_message', 'assistant_message', 'user_message', 'assistant_message']);
    return { threadId, items };
  }

  it('G3: retry after the second user message regenerates only the last answer', async () => {
    const { threadId, items } = await fourItems();
    const [u1, a1, u2, a2] = items as [Json, Json, Json, Json];
    const answer = await ck.stream(retry(threadId, u2.id as string));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.done:assistant_message']);
    const calls = respondCalls(threadId);
    expect((calls[calls.length - 1]!.input as Json).id).toBe(u2.id);
    const after = await ck.items(threadId);
    expect(after.slice(0, 3)).toEqual([u1, a1, u2]);
    expect(after).toHaveLength(4);
    expect(after[3]!.id).not.toBe(a2.id);
    expect(((after[3]!.content as Json[])[0] as Json).text).toBe('Response to: Second message');
  });

  it('G4: retry after the first user message deletes everything after it (no removed events)', async () => {
    const { threadId, items } = await fourItems();
    const u1 = items[0]!;
    const answer = await ck.stream(retry(threadId, u1.id as string));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.done:assistant_message']);
    const after = await ck.items(threadId);
    expect(after.map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    expect(after[0]).toEqual(u1);
    expect(after[1]!.id).not.toBe(items[1]!.id);
    expect(await storedItems(sys.db, threadId)).toHaveLength(2);
  });

  it('G4: retry reaches a user message older than the newest 20 items and deletes everything after it', async () => {
    // The reference walks the items newest first in pages of 20 until it finds the target.
    const { threadId, events } = await ck.create('[B7] long answer');
    const user = events[1]!.item as Json;
    const old = await storedItems(sys.db, threadId);
    expect(old).toHaveLength(26);
    const answer = await ck.stream(retry(threadId, user.id as string));
    expect(kinds(answer.events)).toEqual(['stream_options', ...Array.from({ length: 25 }, () => 'thread.item.done:assistant_message')]);
    const after = await storedItems(sys.db, threadId);
    expect(after).toHaveLength(26);
    expect(after[0]).toEqual(old[0]);
    const oldIds = new Set(old.slice(1).map((i) => i.id));
    expect(after.slice(1).filter((i) => oldIds.has(i.id))).toEqual([]);
  });

  it('G5: retry with an unknown item id is an empty stream and changes nothing', async () => {
    const { threadId } = await fourItems();
    const before = await snapshotStore(sys.db);
    const calls = respondCalls(threadId).length;
    const answer = await ck.stream(retry(threadId, 'does_not_exist'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(answer.events).toEqual([]);
    expect(answer.raw).toBe('');
    expect(await snapshotStore(sys.db)).toBe(before);
    expect(respondCalls(threadId)).toHaveLength(calls);
  });
});
