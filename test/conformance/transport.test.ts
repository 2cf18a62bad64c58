// Conformance, section A of docs/conformance.md: transport and framing, over real HTTP. ChatKitClient
// parses every stream strictly (A1) and every JSON answer as exactly one value (A2) for every test of
// the suite; the tests here look at the bytes themselves.
import { describe, expect, it } from 'vitest';
import {
  ChatKitClient,
  kinds,
  nullPaths,
  snapshotStore,
  useConformanceSystem,
  storedThread,
  type ConformanceSystem,
  type Json,
  type SseAnswer,
} from '../kit/conformance.ts';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

describe('A. transport and framing', () => {
  it('A1: a streaming answer is text/event-stream of compact `data:` frames, one JSON object each, closed after the last event', async () => {
    const answer: SseAnswer = await ck.stream({
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: '[A1] slow' }], attachments: [], inference_options: {} } },
    });
    expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(kinds(answer.events)).toEqual([
      'thread.created',
      'thread.item.done:user_message',
      'stream_options',
      'progress_update',
      'thread.item.done:assistant_message',
    ]);
    // Every frame is `data: ` + compact JSON (as the reference's model_dump_json) + a blank line; the strict
    // parser already refused `event:`/`retry:` lines, several data lines and non-object payloads.
    for (const frame of answer.frames) expect(frame.data).toBe(JSON.stringify(JSON.parse(frame.data)));
    // Deliberate difference (README "SSE frames"): Switchyard adds `id: <seq>` to every frame for
    // re-attach and `: ping` comments while idle; the reference sends neither, conforming parsers skip both.
    const ids = answer.frames.map((f) => Number(f.id));
    expect(ids.every((id, i) => Number.isInteger(id) && (i === 0 || id > ids[i - 1]!))).toBe(true);
    for (const comment of answer.comments) expect(comment).toBe(': ping');
    // The only bytes besides frames and comments: the body is exactly the frames, in order.
    const rebuilt = answer.raw
      .split('\n\n')
      .filter((block) => block !== '' && !block.split('\n').every((l) => l.startsWith(':')))
      .map((block) =>
        block
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      );
    expect(rebuilt).toEqual(answer.frames.map((f) => f.data));
    expect(answer.raw.endsWith('\n\n')).toBe(true);
  });

  it('A2: a JSON answer is application/json with exactly one compact JSON value', async () => {
    const { threadId } = await ck.create('[B1] json');
    for (const body of [
      { type: 'threads.get_by_id', params: { thread_id: threadId } },
      { type: 'threads.list', params: {} },
      { type: 'items.list', params: { thread_id: threadId } },
      { type: 'threads.update', params: { thread_id: threadId, title: 'T' } },
      { type: 'items.feedback', params: { thread_id: threadId, item_ids: [], kind: 'positive' } },
    ]) {
      const answer = await ck.send(body);
      if (answer.kind !== 'json') throw new Error(`${body.type} answered with a stream`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.text).toBe(JSON.stringify(JSON.parse(answer.text)));
    }
  });

  it('A3: an unknown request type is refused before any response and changes nothing', async () => {
    const before = await snapshotStore(sys.db);
    // Reference: pydantic ValidationError → HTTP 500; Switchyard: 400 with a JSON error (README "Errors before streaming").
    const res = await ck.refused({ type: 'threads.bogus', params: {} });
    expect(res.status).toBe(400);
    expect(res.error.code).toBe('bad_request');
    expect(res.error.message).toMatch(/threads\.bogus/);
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('A4: threads.create whose input lacks attachments and inference_options is refused (both are required)', async () => {
    const before = await snapshotStore(sys.db);
    // Reference: ValidationError naming both fields → 500; Switchyard: 400 naming both (README "Errors before streaming").
    const res = await ck.refused({ type: 'threads.create', params: { input: { content: [{ type: 'input_text', text: 'hi' }] } } });
    expect(res.status).toBe(400);
    expect(res.error.message).toMatch(/params\.input\.attachments/);
    expect(res.error.message).toMatch(/params\.input\.inference_options/);
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('A5: a request without params is refused; params {} is accepted', async () => {
    const before = await snapshotStore(sys.db);
    // Reference: ValidationError → 500; Switchyard: 400 (README "Errors before streaming").
    const res = await ck.refused({ type: 'threads.list' });
    expect(res.status).toBe(400);
    expect(res.error.message).toMatch(/params/);
    expect(await snapshotStore(sys.db)).toBe(before);
    const ok = await ck.json<{ data: unknown[]; has_more: boolean }>({ type: 'threads.list', params: {} });
    expect(ok.has_more).toBe(false);
  });

  it('A6: top-level metadata and unknown keys are accepted and the request is processed normally', async () => {
    const answer = await ck.stream({
      type: 'threads.create',
      params: {
        input: {
          content: [{ type: 'input_text', text: '[B1] extras', extra_content_key: 1 }],
          attachments: [],
          inference_options: { future_option: true },
          unknown_input_key: 'x',
        },
        unknown_param: 1,
      },
      metadata: { x: 1 },
      unknown_top_level: { y: 2 },
    });
    expect(kinds(answer.events)).toEqual(['thread.created', 'thread.item.done:user_message', 'stream_options']);
    const user = answer.events[1]!.item as Json;
    expect(user.content).toEqual([{ type: 'input_text', text: '[B1] extras' }]);
    expect(user.inference_options).toEqual({});
    const threadId = (answer.events[0]!.thread as Json).id as string;
    const call = sys.hookLog().find((h) => h.kind === 'respond' && h.data.thread_id === threadId)!;
    expect(call.data.metadata).toEqual({ x: 1 });
    const list = await ck.json({ type: 'threads.list', params: { limit: 1, unknown: true }, metadata: { anything: [1, 2] } });
    expect(list).toMatchObject({ has_more: true });
  });

  it('A7: optional fields that are unset are omitted, never null', async () => {
    const { events, threadId } = await ck.create('[A7] nulls');
    const thread = events[0]!.thread as Json;
    expect(thread).not.toHaveProperty('title');
    expect(thread).not.toHaveProperty('allowed_image_domains');
    const user = events[1]!.item as Json;
    expect(user).not.toHaveProperty('quoted_text');
    const image = events.filter((e) => (e.item as Json | undefined)?.type === 'generated_image');
    expect(image).toHaveLength(2);
    for (const e of image) expect(e.item).not.toHaveProperty('image');
    const widget = events.find((e) => (e.item as Json | undefined)?.type === 'widget')!;
    expect(widget.item).not.toHaveProperty('copy_text');
    // A client tool result of null: the completed call is stored with output None, which is omitted.
    const out = await ck.stream({ type: 'threads.add_client_tool_output', params: { thread_id: threadId, result: null } });
    const items = await ck.items(threadId);
    const call = items.find((i) => i.type === 'client_tool_call')!;
    expect(call.status).toBe('completed');
    expect(call).not.toHaveProperty('output');
    const page = await ck.json({ type: 'items.list', params: { thread_id: threadId } });
    expect(page).not.toHaveProperty('after');
    // Nulls a client sends for optional fields are absent values, never echoed back as null.
    const nullInput = await ck.create('[B1] null input', {
      input: { quoted_text: null, inference_options: { tool_choice: null, model: null } },
    });
    expect(nullInput.events[1]!.item).not.toHaveProperty('quoted_text');
    expect((nullInput.events[1]!.item as Json).inference_options).toEqual({});
    const error = await ck.create('[E1] no message');
    expect(error.events[error.events.length - 1]).not.toHaveProperty('message');
    for (const value of [events, out.events, items, page, nullInput.events, error.events, await ck.thread(threadId)])
      expect(nullPaths(value)).toEqual([]);
  });

  it('A8: thread JSON never leaks server-side metadata', async () => {
    const { events, threadId } = await ck.create('[D2] metadata', { input: {} });
    expect((await storedThread(sys.db, threadId))!.metadata).toEqual({ server_key: 'server value' });
    const threads: Json[] = [
      events.find((e) => e.type === 'thread.created')!.thread as Json,
      events.find((e) => e.type === 'thread.updated')!.thread as Json,
      await ck.thread(threadId),
      (await ck.json<{ data: Json[] }>({ type: 'threads.list', params: { limit: 100 } })).data.find((t) => t.id === threadId)!,
      await ck.json({ type: 'threads.update', params: { thread_id: threadId, title: 'Renamed' } }),
    ];
    for (const t of threads) expect(t.metadata).toEqual({});
  });
});
