// The request boundary against the whole system, row by row from the hostile-client probe: every
// refused request is a JSON 4xx (never HTML, a stack trace or a server path), answered before
// anything is written or reserved — the user's threads are unchanged, the store holds nothing new,
// no rate-limit token or run slot is held (a valid request afterwards succeeds with a limit of one
// run and a small rate), and the gateway stays quick while it refuses.
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_JSON_NODES } from '@switchyard/protocol';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  text: string;
  error?: { code: string; message: string };
  body: unknown;
}

/** Refusals per user below this rate would be throttled if they were counted (they are not). */
const RATE_LIMIT_PER_MINUTE = 40;

let sys: System;
let gw: string;
const userInput = (text: string, extra: Json = {}) => ({
  content: [{ type: 'input_text', text }],
  attachments: [],
  inference_options: {},
  ...extra,
});

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    env: {
      SWITCHYARD_APP: fileURLToPath(new URL('../../examples/image-designer/src/app.ts', import.meta.url)),
      MAX_CONCURRENT_RUNS_PER_USER: '1',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
    },
  });
  gw = sys.gateways[0]!.url;
});
afterAll(async () => {
  await sys?.stop();
});

/** Any request to the gateway; the answer must be JSON whatever the status. */
async function send(path: string, init: RequestInit & { user: string }): Promise<Answer> {
  const { user, ...rest } = init;
  const res = await fetch(`${gw}${path}`, { ...rest, headers: { 'X-Switchyard-User': user, ...(rest.headers as Record<string, string>) } });
  const text = await res.text();
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  // No HTML page, no stack frame, no path of the server's file system.
  expect(text).not.toMatch(/<html|<pre>|\n\s+at |\/work\/|\/tmp\/|node_modules/i);
  const body = JSON.parse(text) as { error?: Answer['error'] };
  return { status: res.status, text, body, ...(body.error ? { error: body.error } : {}) };
}

function post(
  user: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<Answer> {
  return send('/chatkit', { method: 'POST', user, headers, body });
}

async function threadsOf(user: string): Promise<unknown> {
  const res = await post(user, JSON.stringify({ type: 'threads.list', params: { limit: 100 } }));
  expect(res.status).toBe(200);
  return res.body;
}

async function storeCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['threads', 'items', 'attachments']) out[name] = await sys.db.collection(name).countDocuments({});
  return out;
}

/** A streaming request that must succeed: with one run slot per user, a slot left held would refuse it. */
async function createThread(user: string, text: string): Promise<Json[]> {
  const stream = await postChatKit(gw, { type: 'threads.create', params: { input: userInput(text) } }, { 'X-Switchyard-User': user });
  expect(stream.status).toBe(200);
  await stream.done;
  return stream.events.map((e) => e.data as Json);
}

/**
 * Sends each refused request `times` times as `user` and checks its status and message, then that
 * nothing changed and that a valid streaming request still goes through.
 */
async function refusedWithoutTrace(
  user: string,
  requests: Array<{ send: () => Promise<Answer>; status: number; message: RegExp | string }>,
  times = 1,
): Promise<void> {
  const threads = await threadsOf(user);
  const counts = await storeCounts();
  for (let i = 0; i < times; i++) {
    for (const r of requests) {
      const res = await r.send();
      expect(res.status, res.text).toBe(r.status);
      expect(res.error?.message).toMatch(r.message);
    }
  }
  expect(await threadsOf(user)).toEqual(threads);
  expect(await storeCounts()).toEqual(counts);
  const events = await createThread(user, `still served after ${requests.length * times} refusals`);
  expect(events.some((e) => e.type === 'thread.created')).toBe(true);
}

const deepObjectText = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

describe('deep nesting is a 400, and nothing is stored', () => {
  it('threads.create whose input_tag data nests 10,000 levels; deep metadata; a deep value in a field that fails validation', async () => {
    const user = 'deep';
    await refusedWithoutTrace(user, [
      {
        send: () =>
          post(
            user,
            '{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"x","text":"x","data":' +
              deepObjectText(10_000) +
              '}],"attachments":[],"inference_options":{}}}}',
          ),
        status: 400,
        message: `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
      },
      {
        send: () =>
          post(user, `{"type":"threads.create","params":{"input":${JSON.stringify(userInput('hi'))}},"metadata":${deepObjectText(5_000)}}`),
        status: 400,
        message: `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
      },
      {
        send: () => post(user, `{"type":"threads.update","params":{"thread_id":"thr_x","title":${deepObjectText(10_000)}}}`),
        status: 400,
        message: `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
      },
      {
        // Within the body's depth, over the metadata's.
        send: () =>
          post(user, `{"type":"threads.create","params":{"input":${JSON.stringify(userInput('hi'))}},"metadata":${deepObjectText(20)}}`),
        status: 400,
        message: /^metadata: nests deeper than 16 levels$/,
      },
    ]);
  });
});

describe('sizes and counts are capped', () => {
  it('one 500 KB threads.create naming 100,000 attachment ids is refused in milliseconds (it once took the gateway 30 s)', async () => {
    const user = 'many-ids';
    const ids = Array.from({ length: 100_000 }, (_, i) => String(i % 100));
    const body = Buffer.from(JSON.stringify({ type: 'threads.create', params: { input: userInput('hi', { attachments: ids }) } }));
    const times: number[] = [];
    await refusedWithoutTrace(
      user,
      [
        {
          send: async () => {
            const start = performance.now();
            const res = await post(user, body);
            times.push(performance.now() - start);
            return res;
          },
          status: 400,
          message: `request body has more than ${MAX_JSON_NODES} values`,
        },
        {
          // Under the body's bounds, over the message's: 101 ids.
          send: () =>
            post(
              user,
              JSON.stringify({
                type: 'threads.create',
                params: { input: userInput('hi', { attachments: ids.slice(0, 101).map((i) => `atc_${i}`) }) },
              }),
            ),
          status: 400,
          message: 'params.input.attachments: must have at most 100 entries, got 101',
        },
        {
          send: () =>
            post(user, JSON.stringify({ type: 'input.transcribe', params: { audio_base64: 'AAFhYmM=', mime_type: 'a'.repeat(100_000) } })),
          status: 400,
          message: 'params.mime_type: must be at most 255 characters, got 100000',
        },
      ],
      15,
    );
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    console.log(
      `100,000-id threads.create (${body.length} bytes) refused end to end in ${median.toFixed(1)} ms (median of ${times.length}, HTTP round trip)`,
    );
  });
});

describe('POST /chatkit takes JSON only, in a known encoding', () => {
  it('text/plain and form bodies (CSRF-able) are a 415; unknown or corrupt encodings a 415 or 400; gzip works', async () => {
    const user = 'encodings';
    const list = JSON.stringify({ type: 'threads.list', params: {} });
    const create = JSON.stringify({ type: 'threads.create', params: { input: userInput('from another origin') } });
    await refusedWithoutTrace(user, [
      { send: () => post(user, create, { 'Content-Type': 'text/plain' }), status: 415, message: /application\/json/ },
      {
        send: () => post(user, create, { 'Content-Type': 'application/x-www-form-urlencoded' }),
        status: 415,
        message: /application\/json/,
      },
      {
        send: () => post(user, create, { 'Content-Type': 'application/json', 'Content-Encoding': 'zstd' }),
        status: 415,
        message: /Content-Encoding/,
      },
      {
        send: () => post(user, create, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
        status: 400,
        message: /does not decode/,
      },
      {
        send: () =>
          post(user, gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
        status: 413,
        message: /exceeds/,
      },
    ]);
    const gzipped = await post(user, gzipSync(Buffer.from(list)), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
  });
});

describe('every route answers errors as JSON', () => {
  it('bad percent-encoding in a route id is a 400; an unknown route a 404', async () => {
    const user = 'routes';
    await refusedWithoutTrace(user, [
      { send: () => send('/chatkit/runs/%zz/cancel', { method: 'POST', user }), status: 400, message: /percent-encoding/ },
      { send: () => send('/chatkit/runs/%zz/events', { method: 'GET', user }), status: 400, message: /percent-encoding/ },
      { send: () => send('/files/%zz', { method: 'GET', user }), status: 400, message: /percent-encoded|percent-encoding/ },
      { send: () => send('/chatkit', { method: 'GET', user }), status: 404, message: /no route/ },
      { send: () => send('/no/such/route', { method: 'DELETE', user }), status: 404, message: /no route/ },
    ]);
  });
});

describe("requests Node's HTTP parser refuses", () => {
  it('a malformed request line and oversized headers are answered as JSON (400, 431), never a bare close', async () => {
    const { port, hostname } = new URL(gw);
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => socket.write(text));
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const bad = await raw('GET /chatkit HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(bad.slice(bad.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'bad_request' } });
    const huge = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('"headers_too_large"');
  });
});

describe('an app hook given a bad payload', () => {
  it('threads.sync_custom_action with payload.colors not an array is a 400 from the example app; a good one is answered', async () => {
    const user = 'designer';
    const events = await createThread(user, '[flow:function_call:show_palette {"colors":["#112233","#eeddcc"]}] a palette please');
    const threadId = ((events.find((e) => e.type === 'thread.created') as Json).thread as Json).id as string;
    const widget = events.find((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'widget')?.item as Json | undefined;
    expect(widget, JSON.stringify(events.map((e) => e.type))).toBeDefined();
    const action = (payload: unknown) =>
      JSON.stringify({
        type: 'threads.sync_custom_action',
        params: { thread_id: threadId, item_id: widget!.id, action: { type: 'palette.favorite', payload } },
      });
    await refusedWithoutTrace(user, [
      { send: () => post(user, action({ colors: 'red' })), status: 400, message: /payload\.colors must be a list/ },
      { send: () => post(user, action({ colors: [1, 2] })), status: 400, message: /payload\.colors must be a list/ },
      { send: () => post(user, action({ colors: ['x'.repeat(1_000)] })), status: 400, message: /payload\.colors must be a list/ },
    ]);
    const ok = await post(user, action({ colors: ['#112233', '#eeddcc'] }));
    expect(ok.status).toBe(200);
    expect(JSON.stringify(ok.body)).toContain('★ Saved');
  });
});

describe('refusals hold no rate-limit token', () => {
  it(`more refusals than RATE_LIMIT_PER_MINUTE (${RATE_LIMIT_PER_MINUTE}) leave the user's requests unthrottled`, async () => {
    const user = 'persistent';
    await refusedWithoutTrace(
      user,
      [
        {
          send: () => post(user, '{"type":"threads.create"', { 'Content-Type': 'application/json' }),
          status: 400,
          message: /not valid JSON/,
        },
        { send: () => post(user, '{}', { 'Content-Type': 'text/plain' }), status: 415, message: /application\/json/ },
      ],
      RATE_LIMIT_PER_MINUTE,
    );
  });
});
