// The system the conformance suites drive: the real services running the scripted conformance app
// (test/fixtures/conformance-app.ts) with the reference's disconnect behaviour (cancel), and the
// client every conformance test talks through. The client checks what the reference's harness
// conventions ask of every answer (docs/conformance.md "Harness conventions"), in one place:
//   * SSE: strict framing (`data: <one JSON object>` frames; only `id:` lines and comments besides),
//     every event validated against thread-stream-event.schema.json;
//   * JSON: `application/json`, exactly one JSON value, validated against the schema of the request
//     type (threads, pages, attachments, transcription, sync action results, `{}` answers);
//   * errors before streaming: Switchyard's documented `{"error":{"code","message"}}` shape;
//   * no `null` for optional fields anywhere (A7), free-form values excepted.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from 'mongodb';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  validateAttachment,
  validatePageOfThreadItems,
  validatePageOfThreads,
  validateStreamEvent,
  validateSyncCustomActionResponse,
  validateThread,
  validateThreadItem,
  validateTranscriptionResult,
} from '@switchyard/protocol/schema-validation';
import { freePort } from '@switchyard/redis-server';
import { spawnService, waitForHttpOk, type ServiceProcess } from '@switchyard/system-launcher';
import { startSystem, type System } from './system.ts';

export type Json = Record<string, unknown>;

const APP_MODULE = fileURLToPath(new URL('../fixtures/conformance-app.ts', import.meta.url));

export interface ConformanceSystem extends System {
  url: string;
  /** Calls the app's hooks recorded (feedback, actions, respond), oldest first. */
  hookLog(): Array<{ kind: string; data: Record<string, unknown> }>;
  clearHookLog(): void;
  /** The hook log file (shared by every process running the conformance app). */
  hookLogFile: string;
}

export async function startConformanceSystem(env: Record<string, string> = {}): Promise<ConformanceSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-conformance-'));
  const log = join(dir, 'hooks.jsonl');
  writeFileSync(log, '');
  let sys: System;
  try {
    sys = await startSystem({
      transport: 'http',
      env: {
        SWITCHYARD_APP: APP_MODULE,
        CONFORMANCE_LOG: log,
        DISCONNECT_POLICY: 'cancel',
        ...env,
      },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...sys,
    async stop() {
      await sys.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    url: sys.gateways[0]!.url,
    hookLogFile: log,
    hookLog: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> }),
    clearHookLog: () => writeFileSync(log, ''),
  };
}

/**
 * Compiles the schemas every stream event is checked against before any service runs. ajv compiles a
 * schema on first use, synchronously: for these (150-180 KB each) that blocks this process for 1-3 s,
 * and for tens of seconds on a loaded machine. This process also serves the embedded MongoDB test
 * server, so compiling them at a file's first event froze the database under the run being streamed:
 * the services' MongoDB monitors timed out, their drivers interrupted the run's reads and failed them
 * (the I1 "hang" on a loaded machine).
 */
function compileStreamSchemas(): void {
  for (const validate of [validateStreamEvent, validateThread, validateThreadItem]) {
    try {
      validate(null);
    } catch {
      // null matches none of them: the point was the compile.
    }
  }
}

/**
 * One conformance system for the calling test file: started before its tests (and handed to
 * `onStarted`, which keeps what the file uses), stopped after them.
 */
export function useConformanceSystem(onStarted: (sys: ConformanceSystem) => void, env: Record<string, string> = {}): void {
  let sys: ConformanceSystem | undefined;
  beforeAll(async () => {
    compileStreamSchemas();
    sys = await startConformanceSystem(env);
    onStarted(sys);
  });
  // A failed scenario shows what the services were doing (the only way to read a CI-only failure).
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail' || !sys) return;
    for (const p of sys.processes) process.stderr.write(`--- ${p.name} (last 40 lines)\n${p.output.slice(-40).join('\n')}\n`);
  });
  afterAll(async () => {
    await sys?.stop();
  });
}

/**
 * One more gateway process on the system's Redis and MongoDB, configured by `env` (for a scenario that
 * needs a gateway set up differently, e.g. without a model key). Its blob store is a private directory.
 */
export async function startExtraGateway(
  sys: ConformanceSystem,
  env: Record<string, string> = {},
): Promise<{ url: string; process: ServiceProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const hosts = sys.db.client.options.hosts.map((h) => h.toString()).join(',');
  const mongoUrl = process.env.MONGODB_URL ?? `mongodb://${hosts}/?directConnection=true`;
  const url = `http://127.0.0.1:${port}`;
  const blobRoot = mkdtempSync(join(tmpdir(), 'switchyard-extra-blobs-'));
  const child = spawnService('gateway', {
    label: 'gateway-extra',
    env: {
      NODE_ENV: 'test',
      DEV_IDENTITY: 'true',
      LOG_LEVEL: 'warn',
      REDIS_URL: sys.redisUrl,
      MONGODB_URL: mongoUrl,
      MONGODB_DB: sys.db.databaseName,
      BLOB_DRIVER: 'local',
      BLOB_LOCAL_ROOT: blobRoot,
      FILE_URL_SECRET: randomBytes(24).toString('base64url'),
      SWITCHYARD_APP: APP_MODULE,
      CONFORMANCE_LOG: sys.hookLogFile,
      DISCONNECT_POLICY: 'cancel',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: url,
      ...env,
    },
  });
  try {
    await waitForHttpOk(`${url}/readyz`, 120_000, [child]);
  } catch (err) {
    await child.stop('SIGKILL');
    rmSync(blobRoot, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    process: child,
    async stop() {
      await child.stop();
      rmSync(blobRoot, { recursive: true, force: true });
    },
  };
}

// ── answers ──────────────────────────────────────────────────────────────────────────────────────

export interface SseFrame {
  id?: string;
  data: string;
}

export interface SseAnswer {
  kind: 'sse';
  status: number;
  headers: Headers;
  /** Every event, parsed and validated. */
  events: Json[];
  frames: SseFrame[];
  /** Comment lines (`: ping`), which the reference never sends and clients ignore. */
  comments: string[];
  raw: string;
}

export interface JsonAnswer {
  kind: 'json';
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export type Answer = SseAnswer | JsonAnswer;

export interface ErrorBody {
  error: { code: string; message: string };
}

const STREAMING_TYPES = new Set([
  'threads.create',
  'threads.add_user_message',
  'threads.add_client_tool_output',
  'threads.add_structured_input',
  'threads.retry_after_item',
  'threads.custom_action',
]);

/** Keys whose values are free-form JSON (`dict[str, Any]`/`Any` in the reference), copied verbatim, nulls included. */
const FREE_FORM_KEYS = new Set(['arguments', 'output', 'payload']);

/** Paths of `null` values in a response outside free-form values (docs/conformance.md A7: optional fields are omitted). */
export function nullPaths(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (typeof value !== 'object') return [];
  const obj = value as Json;
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (FREE_FORM_KEYS.has(k)) continue;
    // `data` of client_effect, input_tag and entity sources is free-form; a Page's `data` is an array of items.
    if (k === 'data' && !Array.isArray(v)) continue;
    // Hidden context content is free-form (and never sent).
    if (k === 'content' && (obj.type === 'hidden_context_item' || obj.type === 'sdk_hidden_context')) continue;
    out.push(...nullPaths(v, `${path}.${k}`));
  }
  return out;
}

function assertNoNulls(value: unknown, what: string): void {
  const paths = nullPaths(value);
  if (paths.length > 0) throw new Error(`${what} carries null (optional fields must be omitted): ${paths.join(', ')}`);
}

/** Validates one stream event the way the harness conventions ask (schema, explicit update type, no nulls). */
export function checkStreamEvent(event: unknown): Json {
  validateStreamEvent(event);
  const e = event as Json;
  if (e.type === 'thread.item.updated' && typeof (e.update as Json | undefined)?.type !== 'string') {
    throw new Error(`thread.item.updated without an explicit update.type: ${JSON.stringify(e)}`);
  }
  if (e.item !== undefined) validateThreadItem(e.item);
  if (e.thread !== undefined) validateThread(e.thread);
  assertNoNulls(e, `event ${String(e.type)}`);
  return e;
}

/** Validates a 200 JSON answer against the schema of the request type that produced it. */
export function checkJsonBody(requestType: string, body: unknown): void {
  switch (requestType) {
    case 'threads.get_by_id':
    case 'threads.update':
      validateThread(body);
      for (const item of ((body as Json).items as Json).data as unknown[]) validateThreadItem(item);
      break;
    case 'threads.list':
      validatePageOfThreads(body);
      for (const thread of (body as Json).data as unknown[]) validateThread(thread);
      break;
    case 'items.list':
      validatePageOfThreadItems(body);
      for (const item of (body as Json).data as unknown[]) validateThreadItem(item);
      break;
    case 'threads.delete':
    case 'items.feedback':
    case 'attachments.delete':
      if (JSON.stringify(body) !== '{}') throw new Error(`${requestType} must answer exactly {}, got ${JSON.stringify(body)}`);
      break;
    case 'attachments.create':
    case 'upload':
      validateAttachment(body);
      if (Object.hasOwn(body as Json, 'metadata')) throw new Error('an attachment on the wire must not carry metadata');
      break;
    case 'input.transcribe':
      validateTranscriptionResult(body);
      break;
    case 'threads.sync_custom_action':
      validateSyncCustomActionResponse(body);
      if ((body as Json).updated_item !== undefined) validateThreadItem((body as Json).updated_item);
      break;
    default:
      throw new Error(`no JSON schema known for request type ${requestType}`);
  }
  assertNoNulls(body, `${requestType} answer`);
}

/** Switchyard's error answer before any stream: exactly `{"error":{"code","message"}}`. */
export function checkErrorBody(body: unknown): ErrorBody {
  const b = body as Json;
  const err = b?.error as Json | undefined;
  if (
    typeof b !== 'object' ||
    b === null ||
    Object.keys(b).join() !== 'error' ||
    typeof err !== 'object' ||
    err === null ||
    Object.keys(err).sort().join() !== 'code,message' ||
    typeof err.code !== 'string' ||
    typeof err.message !== 'string'
  ) {
    throw new Error(`error answers must be {"error":{"code","message"}}, got ${JSON.stringify(body)}`);
  }
  return body as ErrorBody;
}

// ── strict SSE framing ───────────────────────────────────────────────────────────────────────────

/**
 * Parses complete SSE blocks strictly (docs/conformance.md A1): each block is one `data: <JSON object>` line,
 * optionally with an `id: <seq>` line (Switchyard's re-attach ids), or only comment lines (`: ping`).
 * Anything else — `event:`, `retry:`, several data lines, a non-object payload, CR line ends — is an error.
 */
class StrictSseParser {
  private buffer = '';
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];

  constructor(private readonly onFrame: (frame: SseFrame) => void) {}

  feed(text: string): void {
    this.buffer += text;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end < 0) return;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.block(block);
    }
  }

  finish(): void {
    if (this.buffer.length > 0) throw new Error(`SSE stream ended inside a frame: ${JSON.stringify(this.buffer.slice(0, 200))}`);
  }

  private block(block: string): void {
    if (block.includes('\r')) throw new Error(`SSE frame with a CR line end: ${JSON.stringify(block)}`);
    let id: string | undefined;
    let data: string | undefined;
    let comments = 0;
    for (const line of block.split('\n')) {
      const idMatch = /^id: (\d+)$/.exec(line);
      if (line.startsWith(':')) {
        comments++;
        this.comments.push(line);
      } else if (idMatch) {
        if (id !== undefined) throw new Error(`SSE frame with two id lines: ${JSON.stringify(block)}`);
        id = idMatch[1];
      } else if (line.startsWith('data: ')) {
        if (data !== undefined) throw new Error(`SSE frame with several data lines: ${JSON.stringify(block)}`);
        data = line.slice('data: '.length);
      } else {
        throw new Error(`SSE line the reference never sends: ${JSON.stringify(line)} in ${JSON.stringify(block)}`);
      }
    }
    if (data === undefined) {
      if (id !== undefined || comments === 0) throw new Error(`SSE frame without data: ${JSON.stringify(block)}`);
      return;
    }
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`SSE data is not one JSON object: ${data}`);
    const frame = { ...(id !== undefined ? { id } : {}), data };
    this.frames.push(frame);
    this.onFrame(frame);
  }
}

// ── live streams ─────────────────────────────────────────────────────────────────────────────────

export interface LiveStream {
  status: number;
  headers: Headers;
  events: Json[];
  frames: SseFrame[];
  comments: string[];
  /** Resolves when the server ends the stream or the client aborted; rejects on a framing or schema problem. */
  done: Promise<void>;
  abort(): void;
  /** Resolves once `n` events have arrived (rejects after `timeoutMs` or when the stream fails or ends first). */
  waitForEvents(n: number, timeoutMs?: number): Promise<void>;
  raw(): string;
}

async function openLive(res: Response, controller: AbortController): Promise<LiveStream> {
  const events: Json[] = [];
  const waiters: Array<{ n: number; resolve: () => void; reject: (err: unknown) => void }> = [];
  let raw = '';
  let ended = false;
  let failure: unknown;
  const parser = new StrictSseParser((frame) => {
    events.push(checkStreamEvent(JSON.parse(frame.data)));
    for (const w of waiters.splice(0)) {
      if (events.length >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  const settleWaiters = () => {
    for (const w of waiters.splice(0)) {
      if (failure) w.reject(failure);
      else w.reject(new Error(`stream ended after ${events.length} events, before ${w.n}`));
    }
  };
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        raw += text;
        parser.feed(text);
      }
      parser.finish();
    } catch (err) {
      if (!controller.signal.aborted) {
        failure = err;
        throw err;
      }
    } finally {
      ended = true;
      settleWaiters();
    }
  })();
  done.catch(() => undefined);
  return {
    status: res.status,
    headers: res.headers,
    events,
    frames: parser.frames,
    comments: parser.comments,
    done,
    abort: () => controller.abort(),
    raw: () => raw,
    waitForEvents: (n, timeoutMs = 15_000) => {
      if (events.length >= n) return Promise.resolve();
      if (ended) return Promise.reject(failure ?? new Error(`stream ended after ${events.length} events, before ${n}`));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} events (have ${events.length})`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
      });
    },
  };
}

// ── the client ───────────────────────────────────────────────────────────────────────────────────

export const USER_HEADER = 'X-Switchyard-User';

/** Talks to `POST /chatkit` (and the upload and run routes) as one user; validates every answer. */
export class ChatKitClient {
  constructor(
    readonly baseUrl: string,
    readonly user?: string,
  ) {}

  /** The same gateway as another user (`X-Switchyard-User`). */
  as(user: string): ChatKitClient {
    return new ChatKitClient(this.baseUrl, user);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.user ? { [USER_HEADER]: this.user } : {}), ...extra };
  }

  private async fetch(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { ...init, headers: this.headers(init.headers ?? {}) });
  }

  /**
   * Sends one request and reads the whole answer: an SSE stream (strictly framed, every event
   * validated) or a JSON body (validated for the request type on 200, as an error body otherwise).
   */
  async send(body: unknown, opts: { rawBody?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const controller = new AbortController();
    const res = await this.fetch('/chatkit', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...opts.headers },
      body: opts.rawBody ?? JSON.stringify(body),
      signal: controller.signal,
    });
    return this.read(res, controller, (body as Json | undefined)?.type as string | undefined);
  }

  private async read(res: Response, controller: AbortController, requestType: string | undefined): Promise<Answer> {
    const contentType = res.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      if (requestType !== undefined && !STREAMING_TYPES.has(requestType))
        throw new Error(`${requestType} must be answered with JSON, got an SSE stream`);
      const live = await openLive(res, controller);
      await live.done;
      return {
        kind: 'sse',
        status: res.status,
        headers: res.headers,
        events: live.events,
        frames: live.frames,
        comments: live.comments,
        raw: live.raw(),
      };
    }
    if (!contentType.startsWith('application/json'))
      throw new Error(`unexpected content type ${JSON.stringify(contentType)} (status ${res.status})`);
    const text = await res.text();
    // Exactly one JSON value (docs/conformance.md A2): JSON.parse rejects trailing content.
    const parsed: unknown = JSON.parse(text);
    if (res.status === 200) {
      if (requestType === undefined) throw new Error('a 200 JSON answer needs a request type to validate against');
      if (STREAMING_TYPES.has(requestType)) throw new Error(`${requestType} must be answered with an SSE stream, got JSON 200`);
      checkJsonBody(requestType, parsed);
    } else if (res.status >= 400) {
      checkErrorBody(parsed);
    }
    return { kind: 'json', status: res.status, headers: res.headers, body: parsed, text };
  }

  /** A streaming request that must succeed: 200 `text/event-stream`; returns the validated events. */
  async stream(body: unknown, opts: { headers?: Record<string, string> } = {}): Promise<SseAnswer> {
    const answer = await this.send(body, opts);
    if (answer.kind !== 'sse')
      throw new Error(`expected an SSE stream for ${JSON.stringify(body).slice(0, 200)}, got ${answer.status} ${answer.text}`);
    if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}`);
    return answer;
  }

  /** A JSON request that must succeed (200, validated for its type). */
  async json<T = Json>(body: unknown): Promise<T> {
    const answer = await this.send(body);
    if (answer.kind !== 'json' || answer.status !== 200) {
      throw new Error(
        `expected JSON 200 for ${JSON.stringify(body).slice(0, 200)}, got ${answer.status} ${answer.kind === 'json' ? answer.text : 'SSE'}`,
      );
    }
    return answer.body as T;
  }

  /** A request that must be refused before any stream starts: JSON `{error:{code,message}}` with a 4xx status. */
  async refused(
    body: unknown,
    opts: { rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; error: ErrorBody['error'] }> {
    const answer = await this.send(body, opts);
    if (answer.kind !== 'json')
      throw new Error(`expected a JSON error before streaming, got an SSE stream with ${answer.events.length} events`);
    if (answer.status < 400 || answer.status >= 500) throw new Error(`expected a 4xx, got ${answer.status} ${answer.text}`);
    return { status: answer.status, error: checkErrorBody(answer.body).error };
  }

  /** `threads.create` with one text message; `input` extends the UserMessageInput, `metadata` is the request's. */
  async create(
    text: string,
    opts: { input?: Json; metadata?: Json } = {},
  ): Promise<{ events: Json[]; threadId: string; answer: SseAnswer }> {
    const answer = await this.stream({
      type: 'threads.create',
      params: { input: userInput(text, opts.input) },
      ...(opts.metadata ? { metadata: opts.metadata } : {}),
    });
    return { events: answer.events, threadId: threadIdOf(answer.events), answer };
  }

  /** `threads.add_user_message` with one text message. */
  async addMessage(threadId: string, text: string, opts: { input?: Json; metadata?: Json } = {}): Promise<Json[]> {
    const answer = await this.stream({
      type: 'threads.add_user_message',
      params: { thread_id: threadId, input: userInput(text, opts.input) },
      ...(opts.metadata ? { metadata: opts.metadata } : {}),
    });
    return answer.events;
  }

  /** `items.list` (ascending by default, up to 100): the page's data. */
  async items(threadId: string, params: Json = {}): Promise<Json[]> {
    const page = await this.json<{ data: Json[] }>({
      type: 'items.list',
      params: { thread_id: threadId, order: 'asc', limit: 100, ...params },
    });
    return page.data;
  }

  async thread(threadId: string): Promise<Json> {
    return this.json({ type: 'threads.get_by_id', params: { thread_id: threadId } });
  }

  /** Opens a streaming request and returns as soon as the headers arrived (for cancellation). */
  async open(body: unknown): Promise<LiveStream> {
    const controller = new AbortController();
    const res = await this.fetch('/chatkit', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      throw new Error(`expected a stream, got ${res.status} ${await res.text()}`);
    return openLive(res, controller);
  }

  /** `GET /chatkit/runs/:runId/events` (re-attach). */
  async runEvents(runId: string, lastEventId?: number): Promise<Answer> {
    const controller = new AbortController();
    const res = await this.fetch(`/chatkit/runs/${encodeURIComponent(runId)}/events`, {
      method: 'GET',
      headers: lastEventId !== undefined ? { 'Last-Event-ID': String(lastEventId) } : {},
      signal: controller.signal,
    });
    return this.read(res, controller, undefined);
  }

  /** `POST /chatkit/runs/:runId/cancel`: 202 `{}` for the owner. */
  async cancelRun(runId: string): Promise<{ status: number; body: unknown }> {
    const res = await this.fetch(`/chatkit/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
    const body: unknown = await res.json();
    if (res.status >= 400) checkErrorBody(body);
    return { status: res.status, body };
  }

  /** `PUT /chatkit/uploads/:id` (two-phase, second step): raw bytes with the descriptor's headers. */
  async upload(
    url: string,
    bytes: Uint8Array,
    headers: Record<string, string>,
    contentType: string,
  ): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, { method: 'PUT', headers: this.headers({ ...headers, 'Content-Type': contentType }), body: bytes });
    return this.uploadAnswer(res);
  }

  /** `POST /chatkit/uploads` (direct strategy): multipart with a `file` field. */
  async uploadDirect(bytes: Uint8Array, filename: string, contentType: string): Promise<{ status: number; body: unknown }> {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: contentType }), filename);
    const res = await this.fetch('/chatkit/uploads', { method: 'POST', body: form });
    return this.uploadAnswer(res);
  }

  private async uploadAnswer(res: Response): Promise<{ status: number; body: unknown }> {
    const body: unknown = await res.json();
    if (res.status === 200) checkJsonBody('upload', body);
    else checkErrorBody(body);
    return { status: res.status, body };
  }
}

// ── helpers shared by the suites ─────────────────────────────────────────────────────────────────

export function userInput(text: string, extra: Json = {}): Json {
  return { content: [{ type: 'input_text', text }], attachments: [], inference_options: {}, ...extra };
}

/** `thread.item.done:user_message`, `updated:<update type>`, `stream_options`, … */
export const kinds = (events: Json[]): string[] =>
  events.map((e) =>
    e.type === 'thread.item.updated'
      ? `updated:${(e.update as Json).type as string}`
      : e.item
        ? `${e.type as string}:${(e.item as Json).type as string}`
        : String(e.type),
  );

/** Every thread, item and attachment document, in a stable order: equal snapshots mean nothing changed. */
export async function snapshotStore(db: Db): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const name of ['threads', 'items', 'attachments']) {
    out[name] = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
  }
  return JSON.stringify(out);
}

/** Stored items of a thread, oldest first, as the store orders them (hidden ones included). */
export async function storedItems(db: Db, threadId: string): Promise<Json[]> {
  const docs = await db.collection('items').find({ thread_id: threadId }).sort({ created_at: 1, item_id: 1 }).toArray();
  return docs.map((d) => d.item as Json);
}

export async function storedThread(db: Db, threadId: string): Promise<Json | null> {
  const doc = await db.collection('threads').findOne({ _id: threadId as never });
  return (doc?.thread as Json | undefined) ?? null;
}

export async function storedAttachment(db: Db, attachmentId: string): Promise<Json | null> {
  const doc = await db.collection('attachments').findOne({ _id: attachmentId as never });
  return (doc?.attachment as Json | undefined) ?? null;
}

/** Polls `probe` until it returns a value other than undefined (or fails after `timeoutMs`). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const threadIdOf = (events: Json[]): string => {
  const created = events.find((e) => e.type === 'thread.created');
  if (created) return (created.thread as Json).id as string;
  const item = events.find((e) => e.item !== undefined);
  if (item) return (item.item as Json).thread_id as string;
  throw new Error('no thread id in these events');
};

/** The ISO-8601 form Switchyard writes (README: timestamps with Z). */
export const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A 1×1 PNG, for uploads whose bytes are checked. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
