// The spine end to end on real parts (issue 2): ChatKit request → gateway → BullMQ → generation
// worker → Redis run log → SSE, with images through the ingest worker into the blob store and
// MongoDB. Runs once per model transport.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateStreamEvent, validateThread } from '@switchyard/protocol/schema-validation';
import { openSse, postChatKit, postJson, type SseEvent } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
const sha256 = (b: ArrayBuffer | Buffer) =>
  createHash('sha256')
    .update(Buffer.from(b as ArrayBuffer))
    .digest('hex');
const userInput = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

/** A compact description of an event: its type plus the detail that identifies its place. */
function shape(e: Json): string {
  if (e.type === 'thread.item.added' || e.type === 'thread.item.done') return `${e.type}:${(e.item as Json).type}`;
  if (e.type === 'thread.item.updated') return `${e.type}:${(e.update as Json).type}`;
  return String(e.type);
}

/** Collapses runs of text deltas (their count depends on coalescing) into one marker. */
function collapseDeltas(shapes: string[]): string[] {
  return shapes.filter((s, i) => !(s.endsWith('text_delta') && shapes[i - 1]?.endsWith('text_delta')));
}

function walkStrings(v: unknown, visit: (s: string) => void): void {
  if (typeof v === 'string') visit(v);
  else if (Array.isArray(v)) v.forEach((x) => walkStrings(x, visit));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => walkStrings(x, visit));
}

describe.each([
  ['http', false],
  ['websocket', false],
  ['http', true],
] as const)('spine over %s transport (Redis Cluster: %s)', (transport, redisCluster) => {
  let sys: System;
  let gw: string;
  let threadId: string;
  let firstTurn: SseEvent[];

  beforeAll(async () => {
    sys = await startSystem({ transport, gateways: 2, imageBytes: 300_000, deltaDelayMs: 15, redisCluster });
    gw = sys.gateways[0]!.url;
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('1. threads.create "draw a cat" streams the user item, partial previews, the final image and the text, in order', async () => {
    const stream = await postChatKit(gw, { type: 'threads.create', params: { input: userInput('draw a cat') } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    await stream.done;
    firstTurn = stream.events;
    const events = firstTurn.map((e) => e.data as Json);
    for (const e of events) validateStreamEvent(e);

    expect(collapseDeltas(events.map(shape))).toEqual([
      'thread.created',
      'thread.item.done:user_message',
      'stream_options',
      'thread.item.added:generated_image',
      'thread.item.updated:generated_image.updated',
      'thread.item.updated:generated_image.updated',
      'thread.item.done:generated_image',
      'thread.item.added:assistant_message',
      'thread.item.updated:assistant_message.content_part.added',
      'thread.item.updated:assistant_message.content_part.text_delta',
      'thread.item.updated:assistant_message.content_part.done',
      'thread.item.done:assistant_message',
    ]);
    // seq ids are consecutive from 1: nothing lost, nothing repeated.
    expect(firstTurn.map((e) => Number(e.id))).toEqual(firstTurn.map((_, i) => i + 1));

    threadId = (events[0]!.thread as Json).id as string;
    const imageItemId = (events[3]!.item as Json).id;
    const updates = events.filter((e) => shape(e) === 'thread.item.updated:generated_image.updated');
    expect(updates.map((e) => (e.update as Json).progress)).toEqual([0, 0.5]);
    for (const u of updates) expect(u.item_id).toBe(imageItemId);
    const done = events[6]!.item as Json;
    expect(done.id).toBe(imageItemId);

    // Every URL serves exactly the bytes the model sent (sha256 of the decoded frames).
    const frames = [...updates.map((u) => (u.update as Json).image as Json), done.image as Json];
    const sent = sys.model.sentImages;
    expect(sent.map((s) => s.partialIndex)).toEqual([0, 1, null]);
    for (const [i, image] of frames.entries()) {
      expect(image.id).toBe(sent[0]!.itemId);
      const res = await fetch(image.url as string);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(sha256(await res.arrayBuffer())).toBe(sent[i]!.sha256);
    }

    // The text streamed equals the final text.
    const deltas = events
      .filter((e) => shape(e).endsWith('text_delta'))
      .map((e) => (e.update as Json).delta)
      .join('');
    const finalText = ((events[events.length - 1]!.item as Json).content as Json[])[0]!.text;
    expect(deltas).toBe(finalText);

    // No document in MongoDB holds image bytes.
    for (const name of ['threads', 'items', 'attachments']) {
      for (const doc of await sys.db.collection(name).find({}).toArray()) {
        walkStrings(doc, (s) => {
          expect(s.startsWith('data:')).toBe(false);
          expect(/[A-Za-z0-9+/=]{512,}/.test(s)).toBe(false);
        });
      }
    }

    // Read back: the thread holds the user message, the image and the answer.
    const got = await postJson(gw, { type: 'threads.get_by_id', params: { thread_id: threadId } });
    expect(got.status).toBe(200);
    validateThread(got.body);
    const items = ((got.body as Json).items as Json).data as Json[];
    expect(items.map((i) => i.type)).toEqual(['user_message', 'generated_image', 'assistant_message']);
    const storedImage = items[1]!.image as Json;
    const again = await fetch(storedImage.url as string);
    expect(sha256(await again.arrayBuffer())).toBe(sent[2]!.sha256);
  });

  it('2. the next turn sends the earlier turns to the model, the image as input_image from the blob store', async () => {
    const before = sys.model.requests.length;
    const stream = await postChatKit(gw, {
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: userInput('Now describe it') },
    });
    await stream.done;
    const events = stream.events.map((e) => e.data as Json);
    for (const e of events) validateStreamEvent(e);
    expect(events[0]).toMatchObject({ type: 'thread.item.done', item: { type: 'user_message' } });
    expect(events[events.length - 1]).toMatchObject({ type: 'thread.item.done', item: { type: 'assistant_message' } });

    const req = sys.model.requests[before]!;
    expect(req.transport).toBe(transport === 'http' ? 'http' : 'websocket');
    const input = req.body.input as unknown as Json[];
    const texts = JSON.stringify(input);
    expect(texts).toContain('draw a cat');
    expect(texts).toContain('Now describe it');
    const assistantText = (((firstTurn[firstTurn.length - 1]!.data as Json).item as Json).content as Json[])[0]!.text as string;
    expect(texts).toContain(assistantText.slice(0, 40));
    const imagePart = input.flatMap((m) => (Array.isArray(m.content) ? (m.content as Json[]) : [])).find((c) => c.type === 'input_image');
    expect(imagePart).toBeDefined();
    const url = imagePart!.image_url as string;
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    const bytes = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
    expect(sha256(bytes)).toBe(sys.model.sentImages[2]!.sha256);
  });

  it('3. a client dropped from gateway A re-attaches on gateway B with Last-Event-ID and gets exactly the missing events', async () => {
    const a = await postChatKit(gw, { type: 'threads.create', params: { input: userInput('draw a slow boat') } });
    const runId = a.headers.get('x-switchyard-run-id');
    expect(runId).toMatch(/^run_/);
    await a.waitForEvents(5);
    a.abort();
    await a.done;
    // What the client kept: the first five events. A starved test process may have parsed more
    // before the abort took effect (the whole answer is short); a reload keeps only what it drew.
    const kept = a.events.slice(0, 5);
    const seen = kept.map((e) => Number(e.id));
    const last = seen[seen.length - 1]!;

    const b = await openSse(`${sys.gateways[1]!.url}/chatkit/runs/${runId}/events`, { headers: { 'Last-Event-ID': String(last) } });
    expect(b.status).toBe(200);
    await b.done;
    const resumed = b.events.map((e) => Number(e.id));
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed[0]).toBe(last + 1);
    const all = [...seen, ...resumed];
    expect(all).toEqual(all.map((_, i) => i + 1));

    // The union equals the whole run as a fresh reader sees it, event for event.
    const full = await openSse(`${sys.gateways[1]!.url}/chatkit/runs/${runId}/events`, {});
    await full.done;
    expect([...kept, ...b.events].map((e) => e.raw)).toEqual(full.events.map((e) => e.raw));
    expect(shape(full.events[full.events.length - 1]!.data as Json)).toBe('thread.item.done:assistant_message');
  });
});
