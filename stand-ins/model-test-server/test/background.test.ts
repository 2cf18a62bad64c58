// Background mode over HTTP with the real openai client: a background stream is the normal one plus
// its queued start; a cut stream resumes from `starting_after` without gap or duplicate (text, image
// partials, function calls); GET status, cancel, expiry, the stuck_queued fault, and the refusals.
// No timing assertions: tests wait on events, or poll with generous limits.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, NotFoundError } from 'openai';
import type { OpenAI } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { WebSocket } from 'ws';
import { answerText, IMAGE_CAPTION, itemImage, parseFault, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer, RecordedRequest } from '../src/index.ts';
import { client, expectPng } from './helpers.ts';

const MODEL = 'gpt-test';
const IMAGE_BYTES = 20_000;
const ID = /^(resp|msg|ig|rs|fc|call)_[0-9a-f]{32}$/;

let server: ModelTestServer;
let openai: OpenAI;

beforeAll(async () => {
  // A small delay keeps answers running while clients cut and resume (nothing depends on its length).
  server = await startModelTestServer({ deltaDelayMs: 5, imageBytes: IMAGE_BYTES });
  openai = client(server);
});
afterAll(async () => {
  await server.close();
});

interface Collected {
  events: ResponseStreamEvent[];
  error?: unknown;
}

/** Reads a stream to its end or its failure. */
async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<Collected> {
  const events: ResponseStreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** Repeats `attempt` until it yields a value, for up to 20 s (a limit, not an expectation). */
async function poll<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

/** The event's type as a plain string: `response.cancelled` is not in the SDK's event union. */
function typeOf(event: ResponseStreamEvent): string {
  return event.type;
}

function sequence(events: ResponseStreamEvent[]): number[] {
  return events.map((e) => e.sequence_number);
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function textOf(events: ResponseStreamEvent[]): string {
  return events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
}

function responseIdOf(events: ResponseStreamEvent[]): string {
  const first = events[0];
  if (first?.type !== 'response.created') throw new Error('the stream did not start with response.created');
  return first.response.id;
}

/**
 * Events with what legitimately differs between two runs taken out: ids (kept as their prefix),
 * times, sequence numbers, the `background` flag, and background mode's queued start
 * (`response.queued`, `response.created` saying `queued`).
 */
function comparable(events: ResponseStreamEvent[]): unknown[] {
  return events
    .filter((e) => e.type !== 'response.queued')
    .map((event) => {
      const text = JSON.stringify(event, (key, value: unknown) => {
        if (key === 'sequence_number' || key === 'created_at' || key === 'completed_at' || key === 'background') return undefined;
        return typeof value === 'string' && ID.test(value) ? value.slice(0, value.indexOf('_')) : value;
      });
      const plain = JSON.parse(text) as { type: string; response?: { status?: string } };
      if (plain.type === 'response.created') delete plain.response?.status;
      return plain;
    });
}

function logged(since: number, responseId: string): Array<Pick<RecordedRequest, 'kind' | 'retrieval'>> {
  return server.requests
    .slice(since)
    .filter((r) => r.id === responseId)
    .map((r) => (r.retrieval ? { kind: r.kind, retrieval: r.retrieval } : { kind: r.kind }));
}

function backgroundStream(input: string, extra: Partial<Parameters<OpenAI['responses']['create']>[0]> = {}) {
  return openai.responses.create({ ...extra, model: MODEL, input, stream: true, background: true, store: true });
}

describe('background streams', () => {
  it('carry the same events as a normal stream, after a queued start, numbered without gaps', async () => {
    const normal = await collect(await openai.responses.create({ model: MODEL, input: 'same answer', stream: true }));
    const background = await collect(await backgroundStream('same answer'));
    expect(background.error).toBeUndefined();
    expect(sequence(background.events)).toEqual(range(0, background.events.length));
    expect(background.events[0]).toMatchObject({ type: 'response.created', response: { status: 'queued', background: true } });
    expect(background.events[1]).toMatchObject({ type: 'response.queued', sequence_number: 1, response: { status: 'queued' } });
    expect(background.events[2]).toMatchObject({ type: 'response.in_progress', response: { status: 'in_progress' } });
    expect(background.events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed', background: true } });
    expect(comparable(background.events)).toEqual(comparable(normal.events));
    expect(textOf(background.events)).toBe(answerText('same answer'));
  });

  it('resume after the client aborts: starting_after gives exactly the rest, live to the end', async () => {
    const seen: ResponseStreamEvent[] = [];
    for await (const event of await backgroundStream('resume me please')) {
      seen.push(event);
      // Leaving the loop aborts the request: the client is gone mid-answer.
      if (seen.filter((e) => e.type === 'response.output_text.delta').length === 4) break;
    }
    const id = responseIdOf(seen);
    const last = seen.at(-1)?.sequence_number ?? -1;
    const before = server.requests.length;

    const rest = await collect(await openai.responses.retrieve(id, { stream: true, starting_after: last }));
    expect(rest.error).toBeUndefined();
    expect(sequence(rest.events)).toEqual(range(last + 1, rest.events.length));
    const all = [...seen, ...rest.events];
    expect(sequence(all)).toEqual(range(0, all.length));
    expect(textOf(all)).toBe(answerText('resume me please'));
    const completed = all.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    expect(completed.response.output_text).toBe(answerText('resume me please'));
    expect(logged(before, id)).toEqual([{ kind: 'retrieve', retrieval: { stream: true, startingAfter: last } }]);
  });

  it('resume after the connection breaks (drop_mid_stream): generation went on without it', async () => {
    server.queueFault({ kind: 'drop_mid_stream', afterEvents: 6 });
    const cut = await collect(await backgroundStream('cut the wire'));
    expect(cut.error).toBeInstanceOf(Error);
    expect(sequence(cut.events)).toEqual(range(0, 6));
    const id = responseIdOf(cut.events);

    const rest = await collect(await openai.responses.retrieve(id, { stream: true, starting_after: 5 }));
    expect(rest.error).toBeUndefined();
    expect(sequence([...cut.events, ...rest.events])).toEqual(range(0, 6 + rest.events.length));
    expect(textOf([...cut.events, ...rest.events])).toBe(answerText('cut the wire'));
    // Without starting_after a retrieval replays everything from the start.
    const replay = await collect(await openai.responses.retrieve(id, { stream: true }));
    expect(replay.events).toEqual([...cut.events, ...rest.events]);
  });

  it('resume an image generation cut between partial images, to the final image', async () => {
    const prompt = 'Please draw a lighthouse at dusk';
    const seen: ResponseStreamEvent[] = [];
    for await (const event of await backgroundStream(prompt, { tools: [{ type: 'image_generation', partial_images: 3 }] })) {
      seen.push(event);
      if (event.type === 'response.image_generation_call.partial_image') break;
    }
    const first = seen.at(-1);
    if (first?.type !== 'response.image_generation_call.partial_image') throw new Error('no partial image');
    expect(first.partial_image_index).toBe(0);

    const rest = await collect(
      await openai.responses.retrieve(responseIdOf(seen), { stream: true, starting_after: first.sequence_number }),
    );
    expect(rest.error).toBeUndefined();
    expect(sequence([...seen, ...rest.events])).toEqual(range(0, seen.length + rest.events.length));
    const partials = rest.events.flatMap((e) => (e.type === 'response.image_generation_call.partial_image' ? [e] : []));
    expect(partials.map((p) => p.partial_image_index)).toEqual([1, 2]);
    for (const partial of [first, ...partials]) {
      const expected = itemImage(first.item_id, partial.partial_image_index, 3, IMAGE_BYTES, prompt);
      expect(expectPng(partial.partial_image_b64).bytes.equals(expected.png)).toBe(true);
    }
    const done = rest.events.flatMap((e) =>
      e.type === 'response.output_item.done' && e.item.type === 'image_generation_call' ? [e.item] : [],
    );
    expect(done[0]?.result).toBe(itemImage(first.item_id, null, 3, IMAGE_BYTES, prompt).png.toString('base64'));
    const completed = rest.events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    expect(completed.response.output_text).toBe(IMAGE_CAPTION);
    // Every frame is counted once in sentImages, though two connections carried the answer.
    const counted = server.sentImages.filter((i) => i.itemId === first.item_id).map((i) => i.partialIndex ?? 3);
    expect(counted.sort()).toEqual([0, 1, 2, 3]);
  });

  it('resume a function call', async () => {
    const tools = [{ type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: {} }, strict: false }];
    const seen: ResponseStreamEvent[] = [];
    for await (const event of await backgroundStream('[flow:function_call:lookup {"q":1}] look it up', { tools })) {
      seen.push(event);
      if (event.type === 'response.output_item.added') break;
    }
    const last = seen.at(-1)?.sequence_number ?? -1;
    const rest = await collect(await openai.responses.retrieve(responseIdOf(seen), { stream: true, starting_after: last }));
    expect(rest.events.map(typeOf)).toEqual([
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const stored = await openai.responses.retrieve(responseIdOf(seen));
    expect(stored.status).toBe('completed');
    expect(stored.output).toMatchObject([{ type: 'function_call', name: 'lookup', arguments: '{"q":1}', status: 'completed' }]);
  });
});

describe('background status, cancel and refusals', () => {
  it('a JSON create answers queued at once; GET follows queued → in_progress → completed', async () => {
    const created = await openai.responses.create({ model: MODEL, input: 'poll me', background: true, store: true });
    expect(created).toMatchObject({ status: 'queued', background: true, output: [] });
    const order = ['queued', 'in_progress', 'completed'];
    const seen: string[] = [created.status ?? ''];
    const final = await poll('completed', async () => {
      const response = await openai.responses.retrieve(created.id);
      seen.push(response.status ?? '');
      return response.status === 'completed' ? response : undefined;
    });
    const ranks = seen.map((status) => order.indexOf(status));
    expect(ranks.every((rank) => rank >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(final.output_text).toBe(answerText('poll me'));
  });

  it('cancel mid-stream: status cancelled, every live stream gets response.cancelled and ends', async () => {
    // Hold the answer in_progress after the message's first events, for as long as the test needs.
    server.queueFault({ kind: 'stall_mid_stream', afterEvents: 5 });
    const stream = await backgroundStream('cancel me');
    const reader = stream[Symbol.asyncIterator]();
    const opening: ResponseStreamEvent[] = [];
    while (opening.length < 5) {
      const next = await reader.next();
      if (next.done) throw new Error('the stream ended early');
      opening.push(next.value);
    }
    const id = responseIdOf(opening);
    const before = server.requests.length;
    const running = await openai.responses.retrieve(id);
    expect(running).toMatchObject({ status: 'in_progress', output: [] });
    const follower = collect(await openai.responses.retrieve(id, { stream: true, starting_after: 2 }));

    const cancelled = await openai.responses.cancel(id);
    expect(cancelled).toMatchObject({ id, status: 'cancelled', background: true });
    const original: ResponseStreamEvent[] = [];
    for (let next = await reader.next(); !next.done; next = await reader.next()) original.push(next.value);
    expect(original.map(typeOf)).toEqual(['response.cancelled']);
    expect(original[0]).toMatchObject({ sequence_number: 5, response: { id, status: 'cancelled' } });
    const followed = await follower;
    expect(followed.error).toBeUndefined();
    expect(sequence(followed.events)).toEqual([3, 4, 5]);
    expect(typeOf(followed.events.at(-1)!)).toBe('response.cancelled');

    expect((await openai.responses.retrieve(id)).status).toBe('cancelled');
    // Cancelling twice is idempotent: the same cancelled response.
    expect(await openai.responses.cancel(id)).toEqual(cancelled);
    const replay = await collect(await openai.responses.retrieve(id, { stream: true }));
    expect(replay.events).toEqual([...opening, ...original]);
    expect(logged(before, id)).toEqual([
      { kind: 'retrieve', retrieval: { stream: false, startingAfter: null } },
      { kind: 'retrieve', retrieval: { stream: true, startingAfter: 2 } },
      { kind: 'cancel' },
      { kind: 'retrieve', retrieval: { stream: false, startingAfter: null } },
      { kind: 'cancel' },
      { kind: 'retrieve', retrieval: { stream: true, startingAfter: null } },
    ]);
  });

  it('refuses to cancel a response created without background, or one already completed; 404 for unknown ids', async () => {
    const foreground = await openai.responses.create({ model: MODEL, input: 'not in the background' });
    const synchronous = await caught(openai.responses.cancel(foreground.id));
    if (!(synchronous instanceof BadRequestError)) throw new Error(`expected BadRequestError, got ${String(synchronous)}`);
    expect(synchronous.error).toEqual({
      message: 'Cannot cancel a synchronous response.',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });

    const finished = await collect(await backgroundStream('finish first'));
    const completed = await caught(openai.responses.cancel(responseIdOf(finished.events)));
    if (!(completed instanceof BadRequestError)) throw new Error(`expected BadRequestError, got ${String(completed)}`);
    expect(completed.error).toMatchObject({ message: 'Cannot cancel a completed response.', type: 'invalid_request_error' });
    expect((await openai.responses.retrieve(responseIdOf(finished.events))).status).toBe('completed');

    const unknown = `resp_${'0'.repeat(32)}`;
    for (const attempt of [
      openai.responses.retrieve(unknown),
      openai.responses.retrieve(unknown, { stream: true }),
      openai.responses.cancel(unknown),
    ]) {
      const error = await caught(attempt);
      if (!(error instanceof NotFoundError)) throw new Error(`expected NotFoundError, got ${String(error)}`);
      expect(error.error).toMatchObject({ message: `Response with id '${unknown}' not found.`, type: 'invalid_request_error' });
    }
  });

  it('background with store: false is a 400; store left out is accepted (the API defaults it to true)', async () => {
    const error = await caught(openai.responses.create({ model: MODEL, input: 'x', background: true, store: false, stream: true }));
    if (!(error instanceof BadRequestError)) throw new Error(`expected BadRequestError, got ${String(error)}`);
    expect(error.error).toMatchObject({ type: 'invalid_request_error', param: 'store' });
    const accepted = await openai.responses.create({ model: MODEL, input: 'default store', background: true });
    expect(accepted.status).toBe('queued');
  });

  it('background over WebSocket mode is refused with an error event', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/v1/responses`);
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const reply = new Promise<unknown>((resolve) =>
        ws.once('message', (data) => resolve(JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '{}'))),
      );
      ws.send(JSON.stringify({ type: 'response.create', model: MODEL, input: 'x', background: true }));
      expect(await reply).toMatchObject({ type: 'error', status: 400, error: { code: 'unsupported_parameter' } });
    } finally {
      ws.terminate();
    }
  });

  it('the control route lists retrieves and cancels with their kind', async () => {
    const listed = (await (await fetch(`${new URL(server.baseURL).origin}/__control/requests`)).json()) as RecordedRequest[];
    const kinds = (list: RecordedRequest[]): Record<string, number> =>
      Object.fromEntries(['create', 'retrieve', 'cancel'].map((kind) => [kind, list.filter((r) => r.kind === kind).length]));
    expect(kinds(listed)).toEqual(kinds(server.requests));
    expect(kinds(listed).cancel).toBeGreaterThan(0);
  });
});

describe('background expiry', () => {
  it('after the TTL (start option or settings route), GET, retrieval and cancel answer 404', async () => {
    const short = await startModelTestServer({ backgroundTtlMs: 30 });
    try {
      const api = client(short);
      const expiring = await collect(await api.responses.create({ model: MODEL, input: 'soon gone', stream: true, background: true }));
      const id = responseIdOf(expiring.events);
      const origin = new URL(short.baseURL).origin;
      const set = async (body: unknown): Promise<Response> =>
        fetch(`${origin}/__control/settings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await set({ backgroundTtlMs: 0 })).status).toBe(400);
      expect(await (await set({ backgroundTtlMs: 600_000 })).json()).toMatchObject({ backgroundTtlMs: 600_000 });
      const kept = await collect(await api.responses.create({ model: MODEL, input: 'kept', stream: true, background: true }));

      await poll('expiry', async () => {
        const error = await api.responses.retrieve(id).then(
          () => undefined,
          (e: unknown) => e,
        );
        return error instanceof NotFoundError ? error : undefined;
      });
      expect(await caught(api.responses.retrieve(id, { stream: true, starting_after: 3 }))).toBeInstanceOf(NotFoundError);
      expect(await caught(api.responses.cancel(id))).toBeInstanceOf(NotFoundError);
      // Created under the longer TTL: still there.
      expect((await api.responses.retrieve(responseIdOf(kept.events))).status).toBe('completed');
    } finally {
      await short.close();
    }
  });
});

describe('the stuck_queued fault', () => {
  it('leaves the response queued for good; a retrieval stream gets nothing and the server still closes', async () => {
    const stuck = await startModelTestServer();
    const api = client(stuck);
    let closed = false;
    try {
      stuck.queueFault({ kind: 'stuck_queued' });
      // Background faults wait for a background response: a foreground one passes them by.
      const foreground = await api.responses.create({ model: MODEL, input: 'foreground first' });
      expect(foreground.output_text).toBe(answerText('foreground first'));

      const broken = await collect(await api.responses.create({ model: MODEL, input: 'never answered', stream: true, background: true }));
      expect(broken.error).toBeInstanceOf(Error);
      expect(broken.events).toMatchObject([{ type: 'response.created', sequence_number: 0, response: { status: 'queued' } }]);
      const id = responseIdOf(broken.events);
      for (let i = 0; i < 3; i++) expect((await api.responses.retrieve(id)).status).toBe('queued');

      const waiting = collect(await api.responses.retrieve(id, { stream: true, starting_after: 0 }));
      expect(stuck.requests.filter((r) => r.kind === 'retrieve' && r.retrieval?.stream)).toHaveLength(1);
      // The stream is open with nothing to send; closing the server must end it, not hang on it.
      await stuck.close();
      closed = true;
      expect((await waiting).events).toEqual([]);
    } finally {
      if (!closed) await stuck.close();
    }
  });
});

describe('background faults', () => {
  it('parse from the control route', () => {
    expect(parseFault({ kind: 'stuck_queued' })).toEqual({ kind: 'stuck_queued' });
    expect(parseFault({ kind: 'stall_mid_stream', afterEvents: 3 })).toEqual({ kind: 'stall_mid_stream', afterEvents: 3 });
    expect(parseFault({ kind: 'stall_mid_stream', afterEvents: -1 })).toBeNull();
  });
});
