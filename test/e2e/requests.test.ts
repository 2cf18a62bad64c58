// JSON requests answer exactly as the protocol pages them; bad input gets the right status and a JSON error naming the problem, before any stream starts,
// and writes nothing (issue 2, test 5). Also: every store read and write is scoped by owner.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePageOfThreadItems, validatePageOfThreads } from '@switchyard/protocol/schema-validation';
import { postChatKit, postJson } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

let sys: System;
let gw: string;
const userInput = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

async function storeCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['threads', 'items', 'attachments']) out[name] = await sys.db.collection(name).countDocuments({});
  return out;
}

async function rawPost(body: string | Buffer, contentType = 'application/json') {
  const res = await fetch(`${gw}/chatkit`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json()) as { error: { code: string; message: string } },
  };
}

beforeAll(async () => {
  sys = await startSystem({ transport: 'http' });
  gw = sys.gateways[0]!.url;
});
afterAll(async () => {
  await sys?.stop();
});

describe('bad requests are refused before streaming and change nothing', () => {
  const cases: Array<[string, string | Buffer, number, RegExp]> = [
    ['malformed JSON', '{"type": "threads.create", ', 400, /not valid JSON/],
    ['an empty body', '', 400, /not valid JSON/],
    ['an unknown type', JSON.stringify({ type: 'threads.explode', params: {} }), 400, /threads\.explode/],
    ['missing params', JSON.stringify({ type: 'threads.list' }), 400, /params/],
    ['a missing thread_id', JSON.stringify({ type: 'threads.add_user_message', params: { input: userInput('hi') } }), 400, /thread_id/],
    ['a missing input', JSON.stringify({ type: 'threads.create', params: {} }), 400, /input/],
    [
      'a body over the limit',
      JSON.stringify({ type: 'threads.create', params: { input: userInput('x'.repeat(1_100_000)) } }),
      413,
      /exceeds/,
    ],
  ];
  for (const [name, body, status, message] of cases) {
    it(`${name} → ${status}`, async () => {
      const before = await storeCounts();
      const res = await rawPost(body);
      expect(res.status).toBe(status);
      expect(res.type).toContain('application/json');
      expect(res.body.error.message).toMatch(message);
      expect(await storeCounts()).toEqual(before);
    });
  }

  it('an unknown thread → 404 for streaming and JSON requests alike', async () => {
    const before = await storeCounts();
    for (const body of [
      { type: 'threads.add_user_message', params: { thread_id: 'thr_missing', input: userInput('hi') } },
      { type: 'threads.get_by_id', params: { thread_id: 'thr_missing' } },
      { type: 'items.list', params: { thread_id: 'thr_missing' } },
    ]) {
      const res = await postJson(gw, body);
      expect(res.status).toBe(404);
      expect((res.body as { error: { message: string } }).error.message).toMatch(/thr_missing/);
    }
    expect(await storeCounts()).toEqual(before);
  });
});

describe('keep-alive connections', () => {
  it('an idle connection outlives Node’s 5 s default, so a reused socket is never cut mid-request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const list = () =>
      new Promise<{ status: number; keepAlive: string; reused: boolean }>((resolve, reject) => {
        const req = request(`${gw}/chatkit`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, keepAlive: String(res.headers['keep-alive']), reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ type: 'threads.list', params: {} }));
      });
    try {
      const first = await list();
      expect(first).toEqual({ status: 200, keepAlive: 'timeout=65', reused: false });
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await list()).toEqual({ status: 200, keepAlive: 'timeout=65', reused: true });
    } finally {
      agent.destroy();
    }
  });
});

describe('owner scoping', () => {
  it("another user's thread is a 404 and absent from their list", async () => {
    const s = await postChatKit(gw, { type: 'threads.create', params: { input: userInput('hello') } }, { 'X-Switchyard-User': 'alice' });
    await s.done;
    const threadId = (s.events[0]!.data as { thread: { id: string } }).thread.id;
    const mine = await postJson(gw, { type: 'threads.get_by_id', params: { thread_id: threadId } }, { 'X-Switchyard-User': 'alice' });
    expect(mine.status).toBe(200);
    const theirs = await postJson(gw, { type: 'threads.get_by_id', params: { thread_id: threadId } }, { 'X-Switchyard-User': 'bob' });
    expect(theirs.status).toBe(404);
    const add = await postJson(
      gw,
      { type: 'threads.add_user_message', params: { thread_id: threadId, input: userInput('hi') } },
      { 'X-Switchyard-User': 'bob' },
    );
    expect(add.status).toBe(404);
    const list = await postJson(gw, { type: 'threads.list', params: {} }, { 'X-Switchyard-User': 'bob' });
    expect((list.body as { data: unknown[] }).data).toEqual([]);
    const devList = await postJson(gw, { type: 'threads.list', params: {} });
    expect((devList.body as { data: Array<{ id: string }> }).data.map((t) => t.id)).not.toContain(threadId);
  });

  it('a re-attach to another user’s run is a 404', async () => {
    const s = await postChatKit(gw, { type: 'threads.create', params: { input: userInput('hello') } }, { 'X-Switchyard-User': 'alice' });
    await s.done;
    const runId = s.headers.get('x-switchyard-run-id');
    const res = await fetch(`${gw}/chatkit/runs/${runId}/events`, { headers: { 'X-Switchyard-User': 'bob' } });
    expect(res.status).toBe(404);
  });
});

describe('upstream faults end the run with one clear error event', () => {
  for (const marker of ['[fault:500]', '[fault:429:1]', '[fault:drop:3]']) {
    it(`${marker}: the stream ends with stream.error and the user message stays`, async () => {
      const s = await postChatKit(gw, { type: 'threads.create', params: { input: userInput(`hello ${marker}`) } });
      await s.done;
      const events = s.events.map((e) => e.data as { type: string; code?: string; allow_retry?: boolean; thread?: { id: string } });
      const errors = events.filter((e) => e.type === 'error');
      expect(errors).toEqual([{ type: 'error', code: 'stream.error', allow_retry: true }]);
      expect(events[events.length - 1]!.type).toBe('error');
      const got = await postJson(gw, { type: 'threads.get_by_id', params: { thread_id: events[0]!.thread!.id } });
      expect((got.body as { items: { data: Array<{ type: string }> } }).items.data.map((i) => i.type)).toEqual(['user_message']);
    });
  }
});

describe('JSON requests page like the reference', () => {
  const user = { 'X-Switchyard-User': 'pager' };
  it('threads.list: 25 threads come back newest first as 20 then 5; items.list pages both orders', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const s = await postChatKit(gw, { type: 'threads.create', params: { input: userInput(`thread ${i}`) } }, user);
      await s.done;
      ids.push((s.events[0]!.data as { thread: { id: string } }).thread.id);
    }
    const first = await postJson(gw, { type: 'threads.list', params: {} }, user);
    validatePageOfThreads(first.body);
    const p1 = first.body as { data: Array<{ id: string; title?: string; items: unknown }>; has_more: boolean; after?: string };
    expect(p1.data.map((t) => t.id)).toEqual([...ids].reverse().slice(0, 20));
    expect(p1.has_more).toBe(true);
    expect(p1.after).toBe(ids[5]);
    expect(p1.data[0]).not.toHaveProperty('title');
    expect(p1.data[0]!.items).toEqual({ data: [], has_more: false });
    const second = await postJson(gw, { type: 'threads.list', params: { after: p1.after } }, user);
    const p2 = second.body as { data: Array<{ id: string }>; has_more: boolean };
    expect(p2.data.map((t) => t.id)).toEqual([...ids].reverse().slice(20));
    expect(p2).toEqual({ data: expect.any(Array), has_more: false });

    const threadId = ids[0]!;
    const desc = await postJson(gw, { type: 'items.list', params: { thread_id: threadId, limit: 1 } }, user);
    validatePageOfThreadItems(desc.body);
    const d = desc.body as { data: Array<{ type: string; id: string }>; has_more: boolean; after?: string };
    expect(d.data.map((i) => i.type)).toEqual(['assistant_message']);
    expect(d.has_more).toBe(true);
    expect(d.after).toBe(d.data[0]!.id);
    const asc = await postJson(gw, { type: 'items.list', params: { thread_id: threadId, order: 'asc' } }, user);
    const a = asc.body as { data: Array<{ type: string }>; has_more: boolean; after?: string };
    expect(a.data.map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
    expect(a).not.toHaveProperty('after');
  });
});
