// The demo page's ChatKit transport against a scripted gateway (a fetch that answers from a list):
// every event once and in order across dropped connections, re-attach with Last-Event-ID, the end
// of a run told apart from a dropped stream, errors before streaming, Stop and detach.
import { describe, expect, it } from 'vitest';
import { encodeSseComment, encodeSseData, type ThreadStreamEvent } from '@switchyard/protocol';
import { ChatKitClient, ChatKitHttpError, RUN_ID_HEADER, type RunHandlers } from '../browser/chatkit-client.js';

const ENDPOINT = 'http://gateway.test/chatkit';
const RUN = 'run_0123456789abcdef';

/** What one request gets: SSE bytes (then a clean end or a network failure), or a status with a JSON body. */
type Answer = { sse: Uint8Array[]; fail?: boolean; runId?: string | null } | { status: number; json: unknown } | { hang: true };

interface Seen {
  method: string;
  url: string;
  lastEventId: string | null;
  body: string | null;
}

function progress(seq: number): string {
  return encodeSseData(JSON.stringify({ type: 'progress_update', text: `step ${seq}` }), String(seq));
}
const bytes = (text: string) => new TextEncoder().encode(text);

/** A fetch that answers requests in order from `answers` and records them. */
function scriptedGateway(answers: Answer[]) {
  const seen: Seen[] = [];
  const fetchFn = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    seen.push({
      method: init.method ?? 'GET',
      url: String(input),
      lastEventId: headers.get('last-event-id'),
      body: typeof init.body === 'string' ? init.body : null,
    });
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${String(input)}`);
    if ('status' in answer) return Response.json(answer.json, { status: answer.status });
    const signal = init.signal ?? undefined;
    if ('hang' in answer) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'text/event-stream', [RUN_ID_HEADER]: RUN } });
    }
    const chunks = [...answer.sse];
    // Pull-based, so a failure comes after the chunks rather than discarding them.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else if (answer.fail) controller.error(new TypeError('network error'));
        else controller.close();
      },
    });
    const runId = answer.runId === undefined ? RUN : answer.runId;
    return new Response(body, { headers: { 'Content-Type': 'text/event-stream', ...(runId ? { [RUN_ID_HEADER]: runId } : {}) } });
  };
  return { fetch: fetchFn as typeof fetch, seen };
}

function collector(): RunHandlers & { events: ThreadStreamEvent[]; connections: string[] } {
  const events: ThreadStreamEvent[] = [];
  const connections: string[] = [];
  return { events, connections, onEvent: (e) => events.push(e), onConnection: (c) => connections.push(c) };
}
const texts = (events: ThreadStreamEvent[]) => events.map((e) => (e.type === 'progress_update' ? e.text : e.type));
const input = { input: { content: [{ type: 'input_text', text: 'hi' }], attachments: [], inference_options: {} } };

describe('ChatKitClient', () => {
  it('a run whose stream ends is confirmed over by one re-attach that brings nothing new', async () => {
    const gw = scriptedGateway([{ sse: [bytes(progress(1) + encodeSseComment('ping') + progress(2))] }, { sse: [] }]);
    const handlers = collector();
    const run = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch }).stream('threads.create', input, handlers);
    expect(run.runId).toBe(RUN);
    expect(await run.done).toBe('ended');
    expect(texts(handlers.events)).toEqual(['step 1', 'step 2']);
    expect(gw.seen.map((s) => [s.method, s.url, s.lastEventId])).toEqual([
      ['POST', ENDPOINT, null],
      ['GET', `${ENDPOINT}/runs/${RUN}/events`, '2'],
    ]);
    expect(JSON.parse(gw.seen[0]!.body!)).toEqual({ type: 'threads.create', params: input });
  });

  it('a dropped stream re-attaches from the last event; every event arrives once, in order', async () => {
    const gw = scriptedGateway([
      { sse: [bytes(progress(1) + progress(2)), bytes(progress(3).slice(0, 9))], fail: true },
      // The gateway ended this stream early (draining): not the end of the run.
      { sse: [bytes(progress(3) + progress(4))] },
      // A replayed seq is not shown twice.
      { sse: [bytes(progress(4) + progress(5))] },
      { sse: [] },
    ]);
    const handlers = collector();
    const run = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch }).stream('threads.create', input, handlers);
    expect(await run.done).toBe('ended');
    expect(texts(handlers.events)).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
    expect(gw.seen.map((s) => s.lastEventId)).toEqual([null, '2', '4', '5']);
    expect(handlers.connections).toEqual(['streaming', 'reattaching', 'streaming', 'streaming', 'streaming']);
  });

  it('reads events split anywhere, even inside a multi-byte character', async () => {
    const text = encodeSseData(JSON.stringify({ type: 'progress_update', text: 'naïve café — 画像 🖼️' }), '1');
    const all = bytes(text);
    for (let cut = 1; cut < all.length; cut++) {
      const gw = scriptedGateway([{ sse: [all.slice(0, cut), all.slice(cut)] }, { sse: [] }]);
      const handlers = collector();
      const run = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch }).stream('threads.create', input, handlers);
      await run.done;
      expect(texts(handlers.events)).toEqual(['naïve café — 画像 🖼️']);
    }
  });

  it('a run log that is gone (404 on re-attach) ends the run as gone', async () => {
    const gw = scriptedGateway([
      { sse: [bytes(progress(1))], fail: true },
      { status: 404, json: { error: { code: 'not_found', message: 'run not found' } } },
    ]);
    const run = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch }).stream('threads.create', input, collector());
    expect(await run.done).toBe('gone');
  });

  it('errors before streaming reject with the gateway’s code and message', async () => {
    const gw = scriptedGateway([
      { status: 409, json: { error: { code: 'conflict', message: 'a response is already running on this thread' } } },
    ]);
    const err = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch })
      .stream('threads.add_user_message', {}, collector())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatKitHttpError);
    expect(err).toMatchObject({ status: 409, code: 'conflict', message: 'a response is already running on this thread' });
  });

  it('a response without a run (an empty stream) ends without re-attaching', async () => {
    const gw = scriptedGateway([{ sse: [], runId: null }]);
    const run = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch }).stream('threads.retry_after_item', {}, collector());
    expect(await run.done).toBe('ended');
    expect(gw.seen).toHaveLength(1);
  });

  it('Stop posts to the run’s cancel route; detach lets go without cancelling', async () => {
    const gw = scriptedGateway([{ hang: true }, { status: 202, json: {} }]);
    const run = await new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch, headers: { 'X-Switchyard-User': 'alice' } }).stream(
      'threads.create',
      input,
      collector(),
    );
    await run.stop();
    expect(gw.seen[1]).toMatchObject({ method: 'POST', url: `${ENDPOINT}/runs/${RUN}/cancel` });
    run.detach();
    expect(await run.done).toBe('detached');
    expect(gw.seen).toHaveLength(2);
  });

  it('attach (after a reload) starts from the given event; ending without news means the run is over', async () => {
    const gw = scriptedGateway([{ sse: [bytes(progress(1) + progress(2))] }, { sse: [] }]);
    const handlers = collector();
    const run = new ChatKitClient({ endpoint: ENDPOINT, fetch: gw.fetch }).attach(RUN, 0, handlers);
    expect(await run.done).toBe('ended');
    expect(texts(handlers.events)).toEqual(['step 1', 'step 2']);
    expect(gw.seen.map((s) => s.lastEventId)).toEqual(['0', '2']);

    const finished = scriptedGateway([{ sse: [] }]);
    expect(await new ChatKitClient({ endpoint: ENDPOINT, fetch: finished.fetch }).attach(RUN, 7, collector()).done).toBe('ended');
  });
});
