// The request boundary of the express adapter: what POST /chatkit accepts (JSON only, known
// encodings, bounded bodies), and that every error of every route is answered as JSON — never
// HTML, a stack trace or a server path — by a handler that cannot fail. The ChatKit server behind
// it is a stub that records what reached it: a refused request never does.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import express, { type Request } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BadRequest, Conflict, INTERNAL_ERROR_JSON } from '@switchyard/errors';
import { MAX_JSON_DEPTH, MAX_JSON_NODES, threadsUpdateRequest } from '@switchyard/protocol';
import { devIdentityAuthenticator } from '@switchyard/auth';
import { createChatKitRouter, jsonErrorHandler, jsonNotFound, SseStreams, type ChatKitRouterDeps } from '../src/index.ts';

const BODY_LIMIT = 1_048_576;
const INTERNAL = JSON.parse(INTERNAL_ERROR_JSON) as unknown;

const handle = vi.fn<(owner: string, request: { type: string }) => Promise<unknown>>();
const consumeRequest = vi.fn(async () => undefined);
const logError = vi.fn();
let server: Server;
let base: string;

beforeAll(async () => {
  const deps = {
    server: { handle },
    runLog: { redis: {}, meta: async () => null },
    control: {},
    subscriber: {},
    attachments: {
      store: {},
      blob: {},
      publicBaseUrl: 'http://127.0.0.1',
      maxUploadBytes: 1024,
      urlTtlSeconds: 60,
      uploadTokenSecret: 'upload-token-secret-0123456789',
    },
    logger: {},
    authenticate: devIdentityAuthenticator(),
    bodyLimitBytes: BODY_LIMIT,
    heartbeatMs: 1_000,
    disconnect: { policy: 'detach', graceMs: 0 },
    limits: { consumeRequest },
    sse: { maxBufferedBytes: 1_000_000, registry: new SseStreams() },
  } as unknown as ChatKitRouterDeps;

  // Arranged as the gateway arranges it (services/gateway/src/app.ts): other owners' routers around
  // the ChatKit router, then the JSON 404 and the JSON error handler after everything.
  const app = express();
  app.use((req, _res, next) => {
    req.log = { error: logError, info: () => undefined, warn: () => undefined } as unknown as Request['log'];
    next();
  });
  const files = express.Router();
  files.get('/files/:name', (req) => {
    throw new Error(`ENOENT: no such file or directory, open '/srv/switchyard/.data/blobs/${String(req.params.name)}'`);
  });
  app.use(files);
  app.get('/log-fails', (req) => {
    req.log.error = () => {
      throw new Error('the logger is down');
    };
    throw new Error('and so is the route');
  });
  app.use(createChatKitRouter(deps));
  app.use(jsonNotFound);
  app.use(jsonErrorHandler);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  handle.mockReset();
  handle.mockImplementation(async (_owner, request) => ({ kind: 'json', body: { handled: request.type } }));
  consumeRequest.mockClear();
  logError.mockClear();
});

interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

async function send(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  // Every answer here, success or error, is one JSON value.
  expect(contentType).toMatch(/^application\/json/);
  expect(text).not.toMatch(/<html|<pre>|\bat .*\(.*:\d+:\d+\)|\/srv\//i);
  return { status: res.status, contentType, text, json: JSON.parse(text) as Answer['json'] };
}

const LIST = JSON.stringify({ type: 'threads.list', params: {} });

function post(body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }): Promise<Answer> {
  return send('/chatkit', { method: 'POST', headers, body });
}

/** Nothing reached the server, and no rate-limit token was spent. */
function expectUntouched(): void {
  expect(handle).not.toHaveBeenCalled();
  expect(consumeRequest).not.toHaveBeenCalled();
}

describe('POST /chatkit takes application/json (UTF-8) only: anything else is a 415 before the body is read', () => {
  it.each([
    ['text/plain (what a page on another origin may send without a preflight)', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['a multipart form', 'multipart/form-data; boundary=x'],
    ['a JSON-like type', 'application/jsonp'],
    ['a +json suffix', 'application/vnd.api+json'],
    ['another charset', 'application/json; charset=iso-8859-1'],
  ])('%s → 415', async (_name, contentType) => {
    const res = await post(LIST, { 'Content-Type': contentType });
    expect(res.status).toBe(415);
    expect(res.json.error?.code).toBe('unsupported_media_type');
    expectUntouched();
  });

  it('no Content-Type → 415', async () => {
    const res = await send('/chatkit', { method: 'POST', body: Buffer.from(LIST) });
    expect(res.status).toBe(415);
    expectUntouched();
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/json; charset=utf8'])(
    '%s is accepted',
    async (contentType) => {
      const res = await post(LIST, { 'Content-Type': contentType });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ handled: 'threads.list' });
    },
  );
});

describe('Content-Encoding: identity, gzip, deflate and br are decoded; others are a 415, an undecodable body a 400', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('%s', async (encoding, encode) => {
    const res = await post(encode(Buffer.from(LIST)), { 'Content-Type': 'application/json', 'Content-Encoding': encoding });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ handled: 'threads.list' });
  });

  it.each(['zstd', 'compress', 'x-gzip', 'gzip, br', 'base64'])('%s → 415', async (encoding) => {
    const res = await post(LIST, { 'Content-Type': 'application/json', 'Content-Encoding': encoding });
    expect(res.status).toBe(415);
    expect(res.json.error?.message).toBe('Content-Encoding must be identity, gzip, deflate or br');
    expectUntouched();
  });

  it.each([
    ['a gzip body that is not gzip', 'gzip', Buffer.from(LIST)],
    ['a truncated gzip body', 'gzip', gzipSync(Buffer.from(LIST)).subarray(0, 12)],
    ['a deflate body that is not deflate', 'deflate', Buffer.from('not deflate at all')],
    ['a br body that is not brotli', 'br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
  ])('%s → 400', async (_name, encoding, body) => {
    const res = await post(body, { 'Content-Type': 'application/json', 'Content-Encoding': encoding });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: 'bad_request', message: 'the request body does not decode with its Content-Encoding' });
    expectUntouched();
  });

  it('the decoded size counts against the body limit: a 5 KB gzip that inflates to 4 MB → 413', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * BODY_LIMIT, 0x20));
    expect(bomb.length).toBeLessThan(10_000);
    const res = await post(bomb, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.json.error).toEqual({ code: 'payload_too_large', message: `request body exceeds ${BODY_LIMIT} bytes` });
    expectUntouched();
  });
});

describe('bounded bodies: refused with a 400 before JSON.parse, zod or the server see them', () => {
  it('a threads.create whose input_tag data nests 10,000 levels', async () => {
    const body =
      '{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"x","text":"x","data":' +
      '{"a":'.repeat(10_000) +
      '}'.repeat(10_000) +
      '}],"attachments":[],"inference_options":{}}}}';
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toBe(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    expectUntouched();
  });

  it('a 500 KB threads.create naming 100,000 attachment ids, refused within one HTTP round trip of milliseconds', async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => String(i % 100));
    const body = Buffer.from(
      JSON.stringify({ type: 'threads.create', params: { input: { content: [], attachments: ids, inference_options: {} } } }),
    );
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      const res = await post(body);
      times.push(performance.now() - start);
      expect(res.status).toBe(400);
      expect(res.json.error?.message).toBe(`request body has more than ${MAX_JSON_NODES} values`);
    }
    const median = times.sort((a, b) => a - b)[7]!;
    console.log(`100,000-id body (${body.length} bytes): HTTP round trip of a refusal ${median.toFixed(2)} ms (median of 15)`);
    expectUntouched();
  });

  it('a 100 KB mime_type on input.transcribe', async () => {
    const res = await post(JSON.stringify({ type: 'input.transcribe', params: { audio_base64: 'AA==', mime_type: 'a'.repeat(100_000) } }));
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toBe('params.mime_type: must be at most 255 characters, got 100000');
    expectUntouched();
  });
});

describe('route parameters with bad percent-encoding are a JSON 400', () => {
  it.each([
    ['POST', '/chatkit/runs/%zz/cancel'],
    ['GET', '/chatkit/runs/%E0%A4%A/events'],
    ['GET', '/files/%zz'],
  ])('%s %s', async (method, path) => {
    const res = await send(path, { method });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: 'bad_request', message: 'the request path is not valid percent-encoding' });
  });
});

describe('an app hook that throws', () => {
  const threadsList = () => post(LIST);

  it('with a Switchyard error keeps its status and message', async () => {
    handle.mockRejectedValueOnce(new BadRequest('palette.favorite: payload.colors must be a list of at most 32 colour strings'));
    const bad = await threadsList();
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toMatch(/payload\.colors/);
    handle.mockRejectedValueOnce(new Conflict('busy'));
    expect((await threadsList()).status).toBe(409);
    expect(logError).not.toHaveBeenCalled();
  });

  it('with anything else is a JSON 500 with the generic message, and the error is logged', async () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'join')");
    handle.mockRejectedValueOnce(err);
    const res = await threadsList();
    expect(res.status).toBe(500);
    expect(res.json).toEqual(INTERNAL);
    expect(logError).toHaveBeenCalledWith({ err }, 'request failed');
  });
});

describe('the error handler cannot fail', () => {
  it('an error whose message getter throws → the fixed JSON 500', async () => {
    const err = new BadRequest('x');
    Object.defineProperty(err, 'message', {
      get() {
        throw new Error('getter');
      },
    });
    handle.mockRejectedValueOnce(err);
    const res = await post(LIST);
    expect(res.status).toBe(500);
    expect(res.text).toBe(INTERNAL_ERROR_JSON);
  });

  it('a ZodError over a deep value (whose message overflows the stack) → JSON, never the HTML page', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const zodError = threadsUpdateRequest.safeParse(
      { type: 'threads.update', params: { thread_id: 't', title: deep } },
      { reportInput: true },
    ).error!;
    expect(() => zodError.message).toThrow(RangeError);

    handle.mockRejectedValueOnce(zodError);
    const thrown = await post(LIST);
    expect(thrown.status).toBe(500);
    expect(thrown.json).toEqual(INTERNAL);

    handle.mockRejectedValueOnce(new BadRequest('params.title: expected string, got object', { cause: zodError }));
    const caused = await post(LIST);
    expect(caused.status).toBe(400);
    expect(caused.json.error?.message).toBe('params.title: expected string, got object');
  });

  it('a logger that throws while a 500 is logged does not change the answer', async () => {
    const res = await send('/log-fails');
    expect(res.status).toBe(500);
    expect(res.text).toBe(INTERNAL_ERROR_JSON);
  });

  it('another router’s error naming a server path → a JSON 500 without it', async () => {
    const res = await send('/files/missing.png');
    expect(res.status).toBe(500);
    expect(res.json).toEqual(INTERNAL);
  });

  it.each([
    ['GET', '/nowhere'],
    ['GET', '/chatkit'],
    ['DELETE', '/chatkit/runs/run_1/cancel'],
  ])('no route for %s %s → JSON 404', async (method, path) => {
    const res = await send(path, { method });
    expect(res.status).toBe(404);
    expect(res.json.error?.code).toBe('not_found');
  });
});
