// The fuzz harness: runs generated cases (arbitraries.ts) against the whole system (test/kit/system.ts)
// and holds it to the request boundary's invariants, case by case and batch by batch:
//   * no answer is a 5xx, and every request is answered within a per-request timeout (streams end too);
//   * a rejected request (4xx, and 5xx too) changes nothing in the store: the MongoDB collections threads,
//     items and attachments of every owner the request could act as, and the number of documents of every
//     owner, are the same before and after it (requests run one at a time, so nothing else writes meanwhile);
//   * another user's documents (the victim's) never change, whatever the answer, and no answer holds them;
//   * every SSE answer is framed `id:` + one `data:` JSON object per event;
//   * after every batch the gateway is ready (`/readyz` 200) and a third user's canary (threads.list,
//     then a threads.create that streams to completion, then threads.get_by_id) still works;
//   * per batch, a burst of concurrent slow runs of one user (more than its run slots) is answered 200 or 429,
//     and stores exactly one thread per 200.
// Cases are generated from one seed (printed; FUZZ_SEED / --seed replay it): batch b holds
// fc.sample(fuzzCase, { seed: batchSeed(seed, b), numRuns: batchSize }), so `<seed>/<batch>/<index>` names a case.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, crc32, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Db } from 'mongodb';
import { startSystem, type System } from '../kit/system.ts';
import { encodeJson, fuzzCase, type BodySpec, type FileContent, type FuzzCase, type HttpCase } from './arbitraries.ts';

// ── the system under test ───────────────────────────────────────────────────────────────────────

const CONFORMANCE_APP = fileURLToPath(new URL('../fixtures/conformance-app.ts', import.meta.url));
export const ALLOWED_ORIGIN = 'https://app.example.com';

/**
 * The whole system with the scripted conformance app (widgets, client tool calls, structured input,
 * app failures on demand), the demo page and CORS on. The rate limit is raised so that thousands of
 * requests from one user exercise its code without being throttled (its 429s are proven by
 * packages/limits/test/limits.test.ts); everything else keeps its production default.
 */
export function startFuzzSystem(env: Record<string, string> = {}): Promise<System> {
  return startSystem({
    transport: 'http',
    env: {
      SWITCHYARD_APP: CONFORMANCE_APP,
      // Info: a timeout's report quotes what the processes logged about its run.
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DEMO_PAGE: 'true',
      CORS_ORIGINS: ALLOWED_ORIGIN,
      ...env,
    },
  });
}

// ── options and results ─────────────────────────────────────────────────────────────────────────

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Cases per batch (each batch has a fresh fuzzing user, then the readiness and canary checks). */
  batchSize?: number;
  /** Answer (headers and a JSON body) within this; default 10 s. */
  timeoutMs?: number;
  /** An SSE answer must end within this after its headers; default 30 s (the stream runs a model turn). */
  streamTimeoutMs?: number;
  /** Only these cases (`batch/index`), for replaying one. */
  only?: Array<{ batch: number; index: number }>;
  log?: (line: string) => void;
}

export type FailureKind =
  | '5xx'
  | 'timeout'
  | 'store-change-on-rejection'
  | 'victim-changed'
  | 'victim-leak'
  | 'sse-framing'
  | 'readiness'
  | 'canary'
  | 'gateway-exited';

export interface Failure {
  kind: FailureKind;
  /** `<seed>/<batch>/<index>`, or `batch <b>` for a batch check. */
  where: string;
  family?: string;
  request?: string;
  response?: string;
  detail?: string;
}

export interface BatchResult {
  batch: number;
  user: string;
  cases: number;
  readyz: string;
  canary: string;
  /** The concurrent burst: statuses of its threads.create requests, e.g. `200×8 429×4`. */
  burst: string;
  seconds: number;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  statuses: Record<string, number>;
  classes: Record<string, { cases: number; accepted: number }>;
  families: Record<string, Record<string, number>>;
  fiveXx: number;
  timeouts: number;
  /** Rejected (4xx) requests whose store snapshot before and after differ (must be 0). */
  storeChangesOnRejection: number;
  rejected: number;
  victimChanges: number;
  /** Milliseconds from sending to the whole answer of every rejected request. */
  rejectedMs: number[];
  /** 4xx answers that are not `{"error":{…}}` JSON (Node's own parser errors and raw cases excluded). */
  nonJsonErrors: Array<{ where: string; status: number; request: string; contentType: string }>;
  /** Connections closed without an answer (CONNECT has no handler in Node, so it is closed; anything else is worth a look). */
  unanswered: Array<{ where: string; family: string; error: string; request: string }>;
  batches: BatchResult[];
  failures: Failure[];
  /** 5xx answers explained by a known bug, per bug (included in `fiveXx`). */
  gatewayPeakRssMiB: number | null;
  seconds: number;
}

// ── ids the cases name: pools per owner ─────────────────────────────────────────────────────────

interface ItemRef {
  thread: string;
  item: string;
}

interface Pool {
  owner: string;
  threads: { any: string[]; tool: string[] };
  items: Record<'user' | 'widget' | 'si' | 'assistant' | 'hidden' | 'any', ItemRef[]>;
  attachments: { pending: Array<{ id: string; token: string }>; uploaded: string[]; any: string[] };
  runs: string[];
  /** Signed file URLs (path and query). */
  files: string[];
}

function emptyPool(owner: string): Pool {
  return {
    owner,
    threads: { any: [], tool: [] },
    items: { user: [], widget: [], si: [], assistant: [], hidden: [], any: [] },
    attachments: { pending: [], uploaded: [], any: [] },
    runs: [],
    files: [],
  };
}

const pick = <T>(list: T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);
const remove = <T>(list: T[], pred: (t: T) => boolean) => {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) list.splice(i, 1);
};

/** What a placeholder names when its pool is empty: a well-formed id nobody has. */
const MISSING: Record<string, string> = {
  thread: 'thr_fuzzmissing0000',
  itemthread: 'thr_fuzzmissing0000',
  item: 'msg_fuzzmissing0000',
  atc: 'atc_fuzzmissing0000',
  token: 'v1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  run: 'run_fuzzmissing0000',
  file: '/files/attachments/nobody/atc_x?exp=1&sig=x',
  filepath: '/files/attachments/nobody/atc_x',
  fileexp: '1',
  filesig: 'x',
};

const PLACEHOLDER = /\{\{([a-z]+)(?::([a-z]+))?(?::([a-z]+))?(?::(\d+))?\}\}/g;

interface Resolver {
  user: string;
  own: Pool;
  victim: Pool;
  live?: string;
}

function resolvePlaceholders(text: string, r: Resolver): string {
  return text.replace(PLACEHOLDER, (whole, kind: string, a?: string, b?: string, num?: string) => {
    if (kind === 'user') return r.user;
    const who = a === 'victim' ? r.victim : r.own;
    // `{{run:own:3}}` has no slot: the number came in the third group.
    const n = Number(num ?? b ?? 0);
    let out: string | undefined;
    switch (kind) {
      case 'thread':
        out = pick(b === 'tool' ? who.threads.tool : who.threads.any, n);
        break;
      case 'item':
      case 'itemthread': {
        const ref = pick(who.items[(b as keyof Pool['items']) ?? 'any'] ?? who.items.any, n);
        out = ref && (kind === 'item' ? ref.item : ref.thread);
        break;
      }
      case 'atc':
        out =
          b === 'pending'
            ? pick(who.attachments.pending, n)?.id
            : pick(b === 'uploaded' ? who.attachments.uploaded : who.attachments.any, n);
        break;
      case 'token':
        out = pick(who.attachments.pending, n)?.token;
        break;
      case 'run':
        out = a === 'live' ? r.live : pick(who.runs, n);
        break;
      case 'file':
      case 'filepath':
      case 'fileexp':
      case 'filesig': {
        const url = pick(who.files, n);
        if (url) {
          const u = new URL(url, 'http://x');
          out =
            kind === 'file'
              ? url
              : kind === 'filepath'
                ? u.pathname
                : ((kind === 'fileexp' ? u.searchParams.get('exp') : u.searchParams.get('sig')) ?? undefined);
        }
        break;
      }
      default:
        return whole;
    }
    return out ?? MISSING[kind] ?? whole;
  });
}

/** Adds what an answer created to the pool of the user who asked (and drops what it deleted). */
function learn(pool: Pool, c: HttpCase, sent: Sent, res: Answer): void {
  if (typeof res.status !== 'number' || res.status >= 300) return;
  // Only what POST /chatkit started: a re-attach or a cancel names an existing run, perhaps one of the
  // harness's live runs, whose thread would answer every later turn by waiting for a cancel.
  if (c.path === '/chatkit') {
    for (const e of res.events ?? []) learnEvent(pool, e);
    if (res.runId) pool.runs.push(res.runId);
  }
  if (c.path === '/chatkit' && res.json && sent.requestType) {
    const body = res.json as Record<string, unknown>;
    const params = (sent.requestJson as { params?: Record<string, unknown> } | undefined)?.params ?? {};
    if (sent.requestType === 'attachments.create') learnAttachment(pool, body);
    if (sent.requestType === 'threads.delete') forgetThread(pool, String(params.thread_id));
    if (sent.requestType === 'attachments.delete') {
      const id = String(params.attachment_id);
      for (const list of [pool.attachments.uploaded, pool.attachments.any]) remove(list, (x) => x === id);
      remove(pool.attachments.pending, (x) => x.id === id);
    }
  }
  if (c.path.startsWith('/chatkit/uploads') && res.json) learnAttachment(pool, res.json as Record<string, unknown>);
}

function learnAttachment(pool: Pool, a: Record<string, unknown>): void {
  const id = typeof a.id === 'string' ? a.id : undefined;
  if (!id) return;
  const descriptor = a.upload_descriptor as { headers?: Record<string, string> } | undefined;
  const token = descriptor?.headers?.['X-Switchyard-Upload-Token'];
  if (token) pool.attachments.pending.push({ id, token });
  else {
    remove(pool.attachments.pending, (x) => x.id === id);
    if (!pool.attachments.uploaded.includes(id)) pool.attachments.uploaded.push(id);
    if (typeof a.preview_url === 'string') {
      const u = new URL(a.preview_url);
      pool.files.push(`${u.pathname}${u.search}`);
    }
  }
  if (!pool.attachments.any.includes(id)) pool.attachments.any.push(id);
}

function forgetThread(pool: Pool, threadId: string): void {
  remove(pool.threads.any, (t) => t === threadId);
  remove(pool.threads.tool, (t) => t === threadId);
  for (const list of Object.values(pool.items)) remove(list, (r) => r.thread === threadId);
}

function learnEvent(pool: Pool, e: Record<string, unknown>): void {
  if (e.type === 'thread.created') {
    const id = (e.thread as { id?: string } | undefined)?.id;
    if (id && !pool.threads.any.includes(id)) pool.threads.any.push(id);
    return;
  }
  if (e.type !== 'thread.item.done' && e.type !== 'thread.item.replaced') return;
  const item = e.item as { id: string; thread_id: string; type: string; status?: string };
  const ref = { thread: item.thread_id, item: item.id };
  if (!pool.threads.any.includes(item.thread_id)) pool.threads.any.push(item.thread_id);
  remove(pool.items.si, (r) => r.item === item.id);
  const slot: Partial<Record<string, keyof Pool['items']>> = {
    user_message: 'user',
    assistant_message: 'assistant',
    widget: 'widget',
    hidden_context_item: 'hidden',
    sdk_hidden_context: 'hidden',
  };
  const s = item.type === 'structured_input' && item.status === 'pending' ? 'si' : slot[item.type];
  if (s) pool.items[s].push(ref);
  pool.items.any.push(ref);
  if (item.type === 'client_tool_call' && item.status === 'pending') {
    if (!pool.threads.tool.includes(item.thread_id)) pool.threads.tool.push(item.thread_id);
  } else if (e.type === 'thread.item.done' && item.type !== 'client_tool_call') {
    // A newer item: the thread's newest is no longer a pending tool call.
    remove(pool.threads.tool, (t) => t === item.thread_id);
  }
}

// ── encoding a case into bytes ──────────────────────────────────────────────────────────────────

interface Sent {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  body?: Buffer;
  /** The raw bytes of a raw case. */
  raw?: Buffer;
  requestType?: string;
  requestJson?: unknown;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A real RGB PNG when small; beyond 64×64 only its header is real (enough for every check before storing). */
export function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const small = width >= 1 && height >= 1 && width * height <= 64 * 64;
  const rows = small
    ? Buffer.concat(
        Array.from({ length: height }, (_, y) => Buffer.from([0, ...Array.from({ length: width * 3 }, (_, i) => (i + y) & 0xff)])),
      )
    : Buffer.alloc(16);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function fileBytes(content: FileContent, resolve: (s: string) => string): Buffer {
  switch (content.kind) {
    case 'png':
      return png(content.width, content.height);
    case 'png-truncated':
      return png(8, 8).subarray(0, content.keep);
    case 'jpeg-garbage':
      return Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.from('not really a jpeg')]);
    case 'text':
      return Buffer.from(resolve(content.text), 'utf8');
    case 'bytes':
      return Buffer.from(content.base64, 'base64');
  }
}

function encodeBody(body: BodySpec, resolve: (s: string) => string): { bytes: Buffer; contentType?: string } {
  switch (body.kind) {
    case 'json':
      return { bytes: Buffer.from(encodeJson(body.value, resolve), 'utf8') };
    case 'text':
      return { bytes: Buffer.from(resolve(body.text), 'utf8') };
    case 'bytes':
      return { bytes: Buffer.from(body.base64, 'base64') };
    case 'repeat':
      return { bytes: Buffer.from(body.unit.repeat(body.times), 'utf8') };
    case 'file':
      return { bytes: fileBytes(body.content, resolve) };
    case 'multipart': {
      const boundary = body.boundary ?? `----fuzz${createHash('sha1').update(JSON.stringify(body.parts)).digest('hex').slice(0, 16)}`;
      const parts = body.parts.map((p) =>
        Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n` +
              (p.contentType ? `Content-Type: ${p.contentType}\r\n` : '') +
              '\r\n',
            'utf8',
          ),
          fileBytes(p.content, resolve),
          Buffer.from('\r\n'),
        ]),
      );
      return {
        bytes: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
        contentType: `multipart/form-data; boundary=${boundary}`,
      };
    }
  }
}

function transformBody(bytes: Buffer, c: HttpCase): Buffer {
  switch (c.transform) {
    case 'gzip':
      return gzipSync(bytes);
    case 'deflate':
      return deflateSync(bytes);
    case 'br':
      return brotliCompressSync(bytes);
    case 'truncate':
      return bytes.subarray(0, Math.floor(bytes.length * (c.cut ?? 0.5)));
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 'bad-utf8': {
      const at = Math.floor(bytes.length * (c.cut ?? 0.5));
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc0, 0xaf, 0xff, 0xed, 0xa0, 0x80]), bytes.subarray(at)]);
    }
    case 'trailing':
      return Buffer.concat([bytes, Buffer.from(' {"type":"threads.delete"} garbage')]);
    default:
      return bytes;
  }
}

function encodeCase(c: FuzzCase, r: Resolver): Sent {
  const resolve = (s: string) => resolvePlaceholders(s, r);
  if (c.kind === 'raw') return { method: 'RAW', path: '', headers: [], raw: Buffer.from(resolve(c.data), 'latin1') };
  const headers = c.headers.map(([k, v]): [string, string] => [k, resolve(v)]);
  const sent: Sent = { method: c.method, path: resolve(c.path), headers };
  if (c.body) {
    const { bytes, contentType } = encodeBody(c.body, resolve);
    if (contentType && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', contentType]);
    sent.body = transformBody(bytes, c);
    if ((c.body.kind === 'json' || c.body.kind === 'text') && c.path === '/chatkit') {
      try {
        sent.requestJson = JSON.parse(bytes.toString('utf8'));
        const type = (sent.requestJson as { type?: unknown })?.type;
        if (typeof type === 'string') sent.requestType = type;
      } catch {
        // A body the markers made unparseable is still sent; it just teaches the pools nothing.
      }
    }
  }
  return sent;
}

/** The request as a reproduction: method, path, headers and (the start of) the body. */
export function describeRequest(s: Sent): string {
  if (s.raw) return `RAW ${JSON.stringify(clip(s.raw.toString('latin1'), 600))}`;
  const lines = [`${s.method} ${s.path}`, ...s.headers.map(([k, v]) => `${k}: ${v}`)];
  if (s.body) {
    const text = s.body.toString('utf8');
    const printable = !text.includes('\ufffd') && ![...text].some((ch) => ch.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(ch));
    lines.push(
      `(${s.body.length} bytes${printable ? '' : ', base64'}, sha256 ${createHash('sha256').update(s.body).digest('hex').slice(0, 16)})`,
      printable ? clip(text, 1200) : clip(s.body.toString('base64'), 1200),
    );
  }
  return lines.join('\n');
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

// ── sending ─────────────────────────────────────────────────────────────────────────────────────

interface Answer {
  status: number | 'timeout' | 'stream-timeout' | 'error' | 'closed';
  error?: string;
  contentType: string;
  text: string;
  json?: unknown;
  events?: Array<Record<string, unknown>>;
  runId?: string;
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function parseSse(text: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const frame of text.split(/\n\n/)) {
    const data = frame
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (!data) continue;
    try {
      events.push(JSON.parse(data) as Record<string, unknown>);
    } catch {
      events.push({ type: '__unparseable__', data });
    }
  }
  return events;
}

/**
 * What is wrong with an SSE body, or null: every frame is `id: <seq>` and one `data:` line holding a JSON
 * object with a `type` (comments such as `: ping` aside), as docs/protocol.md and sse-attach.ts frame them.
 */
export function sseFramingProblem(text: string): string | null {
  for (const frame of text.split('\n\n')) {
    const lines = frame.split('\n').filter((l) => l !== '' && !l.startsWith(':'));
    if (lines.length === 0) continue;
    const data = lines.filter((l) => l.startsWith('data: '));
    const ids = lines.filter((l) => /^id: \d+$/.test(l));
    if (data.length !== 1 || ids.length !== 1 || lines.length !== 2) return `frame ${JSON.stringify(clip(frame, 200))}`;
    try {
      const event = JSON.parse(data[0]!.slice(6)) as { type?: unknown };
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string')
        return `data without a type: ${clip(data[0]!, 200)}`;
    } catch {
      return `data that is not JSON: ${clip(data[0]!, 200)}`;
    }
  }
  return null;
}

function sendHttp(
  base: URL,
  s: Sent,
  timeoutMs: number,
  streamTimeoutMs: number,
  onEvents?: (events: Array<Record<string, unknown>>, runId: string | undefined) => void,
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Omit<Answer, 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...a, ms: performance.now() - started });
    };
    let phase: 'headers' | 'stream' = 'headers';
    let req: http.ClientRequest;
    const timer = setTimeout(() => {
      finish({ status: phase === 'stream' ? 'stream-timeout' : 'timeout', contentType: '', text: '' });
      req?.destroy();
    }, timeoutMs);
    try {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of s.headers) {
        const prev = headers[k];
        headers[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
      }
      req = http.request({
        host: base.hostname,
        port: base.port,
        method: s.method,
        path: s.path,
        headers,
        agent,
      });
    } catch (err) {
      finish({ status: 'error', error: `not sendable: ${(err as Error).message}`, contentType: '', text: '' });
      return;
    }
    req.on('error', (err) =>
      finish({ status: 'error', error: (err as NodeJS.ErrnoException).code ?? err.message, contentType: '', text: '' }),
    );
    req.on('response', (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      const runId = res.headers['x-switchyard-run-id'];
      const sse = contentType.startsWith('text/event-stream');
      let timerStream: NodeJS.Timeout | undefined;
      const chunks: string[] = [];
      if (sse) {
        phase = 'stream';
        clearTimeout(timer);
        timerStream = setTimeout(() => {
          finish({
            status: 'stream-timeout',
            contentType,
            text: chunks.join(''),
            events: parseSse(chunks.join('')),
            ...(typeof runId === 'string' ? { runId } : {}),
          });
          res.destroy();
        }, streamTimeoutMs);
      }
      let size = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        size += chunk.length;
        if (size <= 4 * 1024 * 1024) chunks.push(chunk);
        if (sse && onEvents) onEvents(parseSse(chunks.join('')), typeof runId === 'string' ? runId : undefined);
      });
      res.on('error', () => undefined);
      res.on('close', () => {
        clearTimeout(timerStream);
        const text = chunks.join('');
        let json: unknown;
        if (contentType.startsWith('application/json')) {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        finish({
          status: res.statusCode ?? 'closed',
          contentType,
          text,
          ...(json !== undefined ? { json } : {}),
          ...(sse ? { events: parseSse(text) } : {}),
          ...(typeof runId === 'string' ? { runId } : {}),
          ...(res.complete ? {} : { error: 'response cut off' }),
        });
      });
    });
    if (s.body) req.end(s.body);
    else req.end();
  });
}

/** Writes raw bytes on a fresh connection and reads until the server answers or closes. */
function sendRaw(base: URL, s: Sent, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(base.port), base.hostname);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (status: Answer['status']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status, contentType: /content-type:\s*([^\r\n]*)/i.exec(text)?.[1] ?? '', text, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    // No half-close at first: Node's server aborts a request whose client ended its side. A message the
    // parser still waits on (a prefix of a request line) gets the end after a while, and must then close.
    const endLater = setTimeout(() => socket.end(), Math.min(2_000, timeoutMs / 2));
    socket.on('close', () => clearTimeout(endLater));
    socket.on('connect', () => socket.write(s.raw ?? Buffer.alloc(0)));
    socket.on('data', (d) => {
      chunks.push(d);
      const head = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      // One status line is the answer; a whole JSON or SSE body is not needed for the invariants.
      if (m && head.includes('\r\n\r\n')) finish(Number(m[1]));
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
      finish(m ? Number(m[1]) : 'closed');
    });
  });
}

// ── the store ───────────────────────────────────────────────────────────────────────────────────

const COLLECTIONS = ['threads', 'items', 'attachments'] as const;

interface Snapshot {
  /** `<collection>/<_id>` → the document as canonical JSON. */
  docs: Map<string, string>;
  /** Per collection, every owner's documents counted. */
  counts: number[];
}

function canonical(v: unknown): string {
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof (v as { toHexString?: unknown }).toHexString === 'function')
    return JSON.stringify((v as { toHexString(): string }).toHexString());
  if ((v as { _bsontype?: unknown })._bsontype) return JSON.stringify(String(v));
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

async function snapshot(db: Db, owners: string[]): Promise<Snapshot> {
  const [found, counts] = await Promise.all([
    Promise.all(
      COLLECTIONS.map((c) =>
        db
          .collection(c)
          .find({ owner: { $in: owners } })
          .toArray(),
      ),
    ),
    Promise.all(COLLECTIONS.map((c) => db.collection(c).countDocuments({}))),
  ]);
  const docs = new Map<string, string>();
  found.forEach((list, i) => {
    for (const d of list) docs.set(`${COLLECTIONS[i]}/${String(d._id)}`, canonical(d));
  });
  return { docs, counts };
}

function diff(a: Snapshot, b: Snapshot, keep: (key: string, doc: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const [k, v] of a.docs) {
    if (!keep(k, v)) continue;
    if (!b.docs.has(k)) out.push(`removed ${k}`);
    else if (b.docs.get(k) !== v) out.push(`changed ${k}`);
  }
  for (const [k, v] of b.docs) if (keep(k, v) && !a.docs.has(k)) out.push(`added ${k}`);
  return out;
}

const ownerIs = (owner: string) => (_key: string, doc: string) => doc.includes(`"owner":${JSON.stringify(owner)}`);

// ── identities ──────────────────────────────────────────────────────────────────────────────────

/** packages/auth/src/owner.ts */
const OWNER_PATTERN = /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.@:-]{0,127}$/;

/** Whom a request can act as: its X-Switchyard-User if valid, `dev` without one. */
function actingOwners(s: Sent): string[] {
  const values = s.headers.filter(([k]) => k.toLowerCase() === 'x-switchyard-user').map(([, v]) => v.trim());
  if (values.length === 0 || values.every((v) => v === '')) return ['dev'];
  return values.flatMap((v) => v.split(',').map((x) => x.trim())).filter((v) => OWNER_PATTERN.test(v));
}

// ── the runner ──────────────────────────────────────────────────────────────────────────────────

/** Concurrent slow runs per batch, above the default 8 run slots per user. */
const BURST = 12;

/** Batch `b`'s seed: distinct for every (seed, batch), so two seeds never share a batch. */
export function batchSeed(seed: number, batch: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(batch + 1, 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) | 0;
}

const VICTIM = 'fuzz-victim';
/** In every text and name the victim stores: an answer to anyone else that holds it leaked the victim's data. */
const VICTIM_SECRET = 'victim-secret-5d1c';
const CANARY = 'fuzz-canary';

const userInput = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

export class FuzzRunner {
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly streamTimeoutMs: number;
  private readonly log: (line: string) => void;
  private victim: Pool = emptyPool(VICTIM);
  private victimBaseline = new Map<string, string>();
  /** Owners requests acted as, for cleaning up after a batch. */
  private readonly actedAs = new Set<string>();
  private canaries = 0;
  /** The victim's ids this batch's requests sent themselves (a title set to one is echoed back later). */
  private readonly echoable = new Set<string>();
  readonly report: FuzzReport;

  constructor(
    private readonly sys: System,
    private readonly opts: FuzzOptions,
  ) {
    this.base = new URL(sys.gateways[0]!.url);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.streamTimeoutMs = opts.streamTimeoutMs ?? 30_000;
    this.log = opts.log ?? (() => undefined);
    this.report = {
      seed: opts.seed,
      cases: 0,
      statuses: {},
      classes: {},
      families: {},
      fiveXx: 0,
      timeouts: 0,
      storeChangesOnRejection: 0,
      rejected: 0,
      victimChanges: 0,
      rejectedMs: [],
      nonJsonErrors: [],
      unanswered: [],
      batches: [],
      failures: [],
      gatewayPeakRssMiB: null,
      seconds: 0,
    };
  }

  private get gateway() {
    return this.sys.gateways[0]!.process;
  }

  /** A request the harness itself makes (fixtures, canary, clean-up): SSE answers are read to the end. */
  private call(
    user: string,
    body: unknown,
    onEvents?: (e: Array<Record<string, unknown>>, runId: string | undefined) => void,
  ): Promise<Answer> {
    return sendHttp(
      this.base,
      {
        method: 'POST',
        path: '/chatkit',
        headers: [
          ['Content-Type', 'application/json'],
          ['X-Switchyard-User', user],
        ],
        body: Buffer.from(JSON.stringify(body)),
      },
      this.timeoutMs,
      this.streamTimeoutMs,
      onEvents,
    );
  }

  private async fixtureStream(pool: Pool, text: string): Promise<void> {
    const res = await this.call(pool.owner, { type: 'threads.create', params: { input: userInput(text) } });
    if (res.status !== 200) throw new Error(`fixture "${text}" for ${pool.owner}: ${res.status} ${res.error ?? ''} ${clip(res.text, 300)}`);
    for (const e of res.events ?? []) learnEvent(pool, e);
    if (res.runId) pool.runs.push(res.runId);
  }

  private async fixtureUpload(pool: Pool, name: string, type: string, bytes: Buffer): Promise<void> {
    const sent: Sent = {
      method: 'POST',
      path: '/chatkit/uploads',
      headers: [['X-Switchyard-User', pool.owner]],
    };
    const { bytes: body, contentType } = encodeBody(
      {
        kind: 'multipart',
        parts: [{ name: 'file', filename: name, contentType: type, content: { kind: 'bytes', base64: bytes.toString('base64') } }],
      },
      (s) => s,
    );
    sent.headers.push(['Content-Type', contentType!]);
    sent.body = body;
    const res = await sendHttp(this.base, sent, this.timeoutMs, this.streamTimeoutMs);
    if (res.status !== 200) throw new Error(`fixture upload for ${pool.owner}: ${res.status} ${clip(res.text, 300)}`);
    learnAttachment(pool, res.json as Record<string, unknown>);
  }

  /** Threads with each kind of item, pending and uploaded attachments, finished runs, signed file URLs. */
  private async fixtures(owner: string, secret = ''): Promise<Pool> {
    const pool = emptyPool(owner);
    // One after another: the pools' order (which `…:n` placeholders index) is then the same on a replay.
    for (const t of ['[C6] plain', '[F1] tool call', '[I1] structured input', '[H1] widget'])
      await this.fixtureStream(pool, `${t} ${secret}`);
    for (const [name, size, mime] of [
      [`${secret}pending.png`, 68, 'image/png'],
      [`${secret}pending.txt`, 5, 'text/plain'],
    ] as const) {
      const res = await this.call(owner, { type: 'attachments.create', params: { name, size, mime_type: mime } });
      if (res.status !== 200) throw new Error(`fixture attachments.create: ${res.status} ${clip(res.text, 300)}`);
      learnAttachment(pool, res.json as Record<string, unknown>);
    }
    await this.fixtureUpload(pool, `${secret}dot.png`, 'image/png', png(2, 2));
    await this.fixtureUpload(pool, `${secret}notes.txt`, 'text/plain', Buffer.from(`some notes ${secret}`));
    return pool;
  }

  async setUp(): Promise<void> {
    this.victim = await this.fixtures(VICTIM, VICTIM_SECRET);
    this.victimBaseline = (await snapshot(this.sys.db, [VICTIM])).docs;
    this.log(
      `victim ${VICTIM}: ${this.victim.threads.any.length} threads, ${this.victim.items.any.length} items, ${this.victim.attachments.any.length} attachments, ${this.victim.runs.length} runs`,
    );
  }

  /**
   * The resource caps under concurrency: BURST slow runs ([A1], 1.3 s each, heartbeats included) of one
   * user at once, more than MAX_CONCURRENT_RUNS_PER_USER (8). Each is answered 200 (and streams to its
   * end, framed as SSE) or 429; none is a 5xx or times out; and the store holds exactly one thread per 200:
   * a refused start wrote nothing.
   */
  private async burst(batch: number, owner: string): Promise<string> {
    const where = `batch ${batch} burst`;
    this.actedAs.add(owner);
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        this.call(owner, { type: 'threads.create', params: { input: userInput(`[A1] burst ${i}`) } }),
      ),
    );
    const counts = new Map<string, number>();
    for (const a of answers) {
      counts.set(String(a.status), (counts.get(String(a.status)) ?? 0) + 1);
      if (a.status === 200) {
        const problem = sseFramingProblem(a.text);
        if (problem) this.fail({ kind: 'sse-framing', where, detail: problem });
      } else if (a.status !== 429) {
        const kind: FailureKind = typeof a.status === 'number' && a.status >= 500 ? '5xx' : 'timeout';
        this.fail({ kind, where, detail: `threads.create answered ${a.status} ${a.error ?? ''} ${clip(a.text, 300)}` });
      }
    }
    const accepted = answers.filter((a) => a.status === 200).length;
    const stored = await this.sys.db.collection('threads').countDocuments({ owner });
    if (stored !== accepted)
      this.fail({
        kind: 'store-change-on-rejection',
        where,
        detail: `${accepted} threads.create answered 200, but ${stored} threads are stored`,
      });
    return [...counts]
      .sort()
      .map(([status, n]) => `${status}×${n}`)
      .join(' ');
  }

  /** `/readyz` answers 200, and the canary user lists, creates (streamed to its end) and reads a thread. */
  private async batchChecks(batch: number): Promise<{ readyz: string; canary: string }> {
    const where = `batch ${batch}`;
    if (this.gateway.child.exitCode !== null || this.gateway.child.signalCode !== null) {
      this.fail({ kind: 'gateway-exited', where, detail: this.gateway.output.slice(-20).join('\n') });
      return { readyz: 'gateway exited', canary: 'not run' };
    }
    const ready = await sendHttp(this.base, { method: 'GET', path: '/readyz', headers: [] }, this.timeoutMs, this.streamTimeoutMs);
    const readyz = String(ready.status);
    if (ready.status !== 200) this.fail({ kind: 'readiness', where, response: `${ready.status} ${clip(ready.text, 500)}` });
    const problems: string[] = [];
    const list = await this.call(CANARY, { type: 'threads.list', params: { limit: 100 } });
    const before = list.status === 200 ? ((list.json as { data?: unknown[] }).data?.length ?? -1) : -1;
    if (list.status !== 200) problems.push(`threads.list ${list.status}`);
    const text = `[B2] canary ${++this.canaries}`;
    const created = await this.call(CANARY, { type: 'threads.create', params: { input: userInput(text) } });
    const events = created.events ?? [];
    const threadId = (events.find((e) => e.type === 'thread.created')?.thread as { id?: string } | undefined)?.id;
    const answered = events.some(
      (e) => e.type === 'thread.item.done' && JSON.stringify((e.item as { content?: unknown }).content ?? '').includes('Hello, world!'),
    );
    if (created.status !== 200 || !threadId || !answered || events.some((e) => e.type === 'error'))
      problems.push(`threads.create ${created.status} (${events.map((e) => e.type).join(',')}) ${created.error ?? ''}`);
    if (threadId) {
      const got = await this.call(CANARY, { type: 'threads.get_by_id', params: { thread_id: threadId } });
      const items = (got.json as { items?: { data?: unknown[] } } | undefined)?.items?.data?.length ?? 0;
      if (got.status !== 200 || items < 2) problems.push(`threads.get_by_id ${got.status} with ${items} items`);
      const after = await this.call(CANARY, { type: 'threads.list', params: { limit: 100 } });
      const n = (after.json as { data?: unknown[] } | undefined)?.data?.length ?? -1;
      if (after.status !== 200 || (before >= 0 && before < 100 && n !== before + 1))
        problems.push(`threads.list after: ${after.status}, ${before} → ${n}`);
    }
    const canary = problems.length ? problems.join('; ') : 'ok';
    if (problems.length) this.fail({ kind: 'canary', where, detail: canary });
    return { readyz, canary };
  }

  private fail(f: Failure): void {
    this.report.failures.push(f);
    this.log(`FAIL ${f.kind} ${f.where}${f.family ? ` (${f.family})` : ''}${f.detail ? `: ${clip(f.detail, 400)}` : ''}`);
  }

  /** Starts a run that waits for a cancel ([M1]); returns once its text delta arrived (nothing more is written until the cancel). */
  private async startLiveRun(owner: string): Promise<{ runId?: string; done: Promise<Answer> }> {
    let ready: () => void = () => undefined;
    const delta = new Promise<void>((r) => (ready = r));
    let runId: string | undefined;
    const done = this.call(owner, { type: 'threads.create', params: { input: userInput('[M1] live run') } }, (events, id) => {
      runId ??= id;
      if (events.some((e) => e.type === 'thread.item.updated')) ready();
    });
    void done.then(() => ready());
    await delta;
    return { ...(runId ? { runId } : {}), done };
  }

  /**
   * Before a case that names a kind of id the pool has run out of (a pending tool call answered, the
   * widget's thread deleted), one more is made, so that valid cases keep reaching past the boundary.
   */
  private async replenish(c: FuzzCase, pool: Pool): Promise<void> {
    const text = JSON.stringify(c);
    const needs = (pattern: string, empty: boolean) => empty && text.includes(pattern);
    if (needs('{{thread:own:tool', pool.threads.tool.length === 0)) await this.fixtureStream(pool, '[F1] tool call');
    if (needs('thread:own:si', pool.items.si.length === 0)) await this.fixtureStream(pool, '[I1] structured input');
    if (needs('thread:own:widget', pool.items.widget.length === 0)) await this.fixtureStream(pool, '[H1] widget');
    if (needs('thread:own:user', pool.items.user.length === 0) || needs('thread:own:assistant', pool.items.assistant.length === 0))
      await this.fixtureStream(pool, '[C6] plain');
    if (needs('{{thread:own:any', pool.threads.any.length === 0) || needs('thread:own:any', pool.items.any.length === 0))
      await this.fixtureStream(pool, 'plain');
    if (needs(':own:pending', pool.attachments.pending.length === 0)) {
      const res = await this.call(pool.owner, {
        type: 'attachments.create',
        params: { name: 'more.txt', size: 4, mime_type: 'text/plain' },
      });
      if (res.status === 200) learnAttachment(pool, res.json as Record<string, unknown>);
    }
    if (needs('atc:own:uploaded', pool.attachments.uploaded.length === 0) || needs('file:own', pool.files.length === 0))
      await this.fixtureUpload(pool, 'more.png', 'image/png', png(3, 3));
  }

  /** One case: resolve, snapshot, send, snapshot, check, learn. */
  private async runCase(c: FuzzCase, own: Pool, where: string): Promise<void> {
    await this.replenish(c, own);
    const live = c.kind === 'http' && c.live ? await this.startLiveRun(own.owner) : undefined;
    const sent = encodeCase(c, { user: own.owner, own, victim: this.victim, ...(live?.runId ? { live: live.runId } : {}) });
    const owners = [...new Set([own.owner, VICTIM, ...actingOwners(sent)])];
    for (const o of owners) if (o !== VICTIM) this.actedAs.add(o);
    const before = await snapshot(this.sys.db, owners);
    const res = sent.raw
      ? await sendRaw(this.base, sent, this.timeoutMs)
      : await sendHttp(this.base, sent, this.timeoutMs, this.streamTimeoutMs);
    // The gateway's log line for a 5xx arrives through a pipe: give it a moment.
    if (typeof res.status === 'number' && res.status >= 500) await new Promise((r) => setTimeout(r, 300));
    this.record(c, sent, res, where, typeof res.status === 'number' && res.status >= 500 ? this.lastGatewayError() : '');
    if (typeof res.status === 'number' && res.status >= 400) {
      // Refused (4xx) or failed (5xx): the store is as it was. Before anything else writes: the next write is the harness's own (ending a live run).
      const after = await snapshot(this.sys.db, owners);
      const changes = diff(before, after);
      if (before.counts.join('/') !== after.counts.join('/'))
        changes.push(`document counts ${before.counts.join('/')} → ${after.counts.join('/')}`);
      if (changes.length) {
        this.report.storeChangesOnRejection++;
        this.fail({
          kind: 'store-change-on-rejection',
          where,
          family: c.family,
          request: describeRequest(sent),
          response: `${res.status} ${clip(res.text, 500)}`,
          detail: changes.slice(0, 10).join('; '),
        });
      }
    }
    this.checkAnswer(c, sent, res, where);
    // The victim's documents never change, whatever the answer.
    const victimNow = await snapshot(this.sys.db, [VICTIM]);
    const victimChanges = diff({ docs: this.victimBaseline, counts: [] }, victimNow, ownerIs(VICTIM));
    if (victimChanges.length) {
      this.report.victimChanges++;
      this.fail({
        kind: 'victim-changed',
        where,
        family: c.family,
        request: describeRequest(sent),
        response: `${res.status} ${clip(res.text, 500)}`,
        detail: victimChanges.slice(0, 10).join('; '),
      });
      this.victimBaseline = victimNow.docs;
    }
    if (live) {
      // Whatever the case did, the live run ends now (cancelling an ended run is a no-op).
      if (live.runId)
        await sendHttp(
          this.base,
          { method: 'POST', path: `/chatkit/runs/${live.runId}/cancel`, headers: [['X-Switchyard-User', own.owner]] },
          this.timeoutMs,
          this.streamTimeoutMs,
        );
      const end = await live.done;
      if (end.status !== 200)
        this.fail({ kind: 'timeout', where, family: c.family, detail: `the live run did not end after its cancel: ${end.status}` });
    }
    if (c.kind === 'http' && actingOwners(sent).includes(own.owner)) learn(own, c, sent, res);
  }

  private record(c: FuzzCase, sent: Sent, res: Answer, where: string, gatewayError = ''): void {
    const r = this.report;
    r.cases++;
    const status = String(res.status);
    r.statuses[status] = (r.statuses[status] ?? 0) + 1;
    const fam = (r.families[c.family] ??= {});
    fam[status] = (fam[status] ?? 0) + 1;
    const cls = (r.classes[c.class] ??= { cases: 0, accepted: 0 });
    cls.cases++;
    if (typeof res.status === 'number' && res.status < 400) cls.accepted++;
    const repro = () => describeRequest(sent);
    if (typeof res.status === 'number' && res.status >= 500) {
      r.fiveXx++;
      const failure: Failure = {
        kind: '5xx',
        where,
        family: c.family,
        request: repro(),
        response: `${res.status} ${clip(res.text, 800)}`,
        detail: gatewayError,
      };
      this.fail(failure);
    }
    if (res.status === 'timeout' || res.status === 'stream-timeout') {
      r.timeouts++;
      const events = res.events?.map((e) => String(e.type)).join(',');
      const logs = res.runId ? this.logsAbout(res.runId) : '';
      this.fail({
        kind: 'timeout',
        where,
        family: c.family,
        request: repro(),
        detail: `${res.status} after ${res.ms.toFixed(0)} ms${res.runId ? `, run ${res.runId}` : ''}${events ? `, events so far: ${events}` : ''}${logs}`,
      });
    }
    if ((res.status === 'error' || res.status === 'closed') && r.unanswered.length < 200)
      r.unanswered.push({ where, family: c.family, error: res.error ?? res.status, request: clip(repro(), 400) });
    if (typeof res.status === 'number' && res.status >= 400 && res.status < 500) {
      r.rejected++;
      r.rejectedMs.push(res.ms);
      const isJsonError =
        res.contentType.startsWith('application/json') && typeof (res.json as { error?: { code?: unknown } })?.error?.code === 'string';
      // Node's own HTTP parser refuses malformed framing (raw bytes in a path, …) before the app sees it:
      // an empty 400 with no Content-Type, as it is for the raw cases.
      const fromParser = res.contentType === '' && res.text === '';
      if (!isJsonError && !fromParser && c.kind === 'http' && sent.method !== 'HEAD' && r.nonJsonErrors.length < 200)
        r.nonJsonErrors.push({ where, status: res.status, request: clip(repro(), 400), contentType: res.contentType });
    }
  }

  /** What an answer may not hold: the victim's ids and texts (unless the request itself sent them), broken SSE frames. */
  private checkAnswer(c: FuzzCase, sent: Sent, res: Answer, where: string): void {
    if (typeof res.status !== 'number') return;
    if (res.status < 400 && res.text) {
      const asked = `${sent.path}\n${sent.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}\n${sent.body?.toString('utf8') ?? ''}${sent.raw?.toString('latin1') ?? ''}`;
      const v = this.victim;
      const secrets = [
        VICTIM_SECRET,
        ...v.threads.any,
        ...v.items.any.map((r) => r.item).filter((id) => id.length > 8),
        ...v.attachments.any,
        ...v.runs,
      ];
      // A victim's id the fuzzing user sent (now or earlier, as a title or a text) is theirs to get back.
      for (const x of secrets) if (asked.includes(x)) this.echoable.add(x);
      const leaked = secrets.filter((x) => res.text.includes(x) && !this.echoable.has(x));
      if (leaked.length)
        this.fail({
          kind: 'victim-leak',
          where,
          family: c.family,
          request: describeRequest(sent),
          response: `${res.status} ${clip(res.text, 500)}`,
          detail: `the answer holds ${leaked.join(', ')}`,
        });
    }
    if (res.contentType.startsWith('text/event-stream') && res.status === 200) {
      const problem = sseFramingProblem(res.text);
      if (problem) this.fail({ kind: 'sse-framing', where, family: c.family, request: describeRequest(sent), detail: problem });
    }
  }

  /** What any process logged (warnings and worse) about a run, for a timeout's report. */
  private logsAbout(runId: string): string {
    const lines = this.sys.processes.flatMap((p) => p.output.filter((l) => l.includes(runId)).map((l) => `[${p.name}] ${clip(l, 400)}`));
    return lines.length ? `\nlogs about ${runId}:\n${lines.slice(-10).join('\n')}` : `\nno process logged anything about ${runId}`;
  }

  /** The error the gateway logged for its latest 5xx (`request failed`), as `type: message`. */
  private lastGatewayError(): string {
    const output = this.gateway.output;
    for (let i = output.length - 1; i >= Math.max(0, output.length - 50); i--) {
      const line = output[i]!;
      if (!line.includes('"request failed"')) continue;
      try {
        const err = (JSON.parse(line) as { err?: { type?: string; message?: string } }).err;
        return `gateway logged ${err?.type ?? 'an error'}: ${clip(JSON.stringify(err?.message ?? ''), 300)}`;
      } catch {
        return clip(line, 300);
      }
    }
    return 'no error in the gateway log';
  }

  /** Deletes what a batch's users made through the API, so the store stays small for the next batch. */
  private async cleanUp(): Promise<void> {
    for (const owner of this.actedAs) {
      for (let round = 0; round < 20; round++) {
        const list = await this.call(owner, { type: 'threads.list', params: { limit: 100 } });
        const ids = ((list.json as { data?: Array<{ id: string }> } | undefined)?.data ?? []).map((t) => t.id);
        if (list.status !== 200 || ids.length === 0) break;
        for (const id of ids) await this.call(owner, { type: 'threads.delete', params: { thread_id: id } });
      }
      const atts = await this.sys.db.collection('attachments').find({ owner }).project({ _id: 1 }).toArray();
      for (const a of atts) await this.call(owner, { type: 'attachments.delete', params: { attachment_id: String(a._id) } });
    }
    this.actedAs.clear();
    this.echoable.clear();
  }

  async run(): Promise<FuzzReport> {
    const started = performance.now();
    const batchSize = this.opts.batchSize ?? 250;
    const batches = Math.ceil(this.opts.runs / batchSize);
    this.log(
      `fuzz: seed ${this.opts.seed} (replay with FUZZ_SEED=${this.opts.seed} or --seed ${this.opts.seed}), ${this.opts.runs} cases in ${batches} batches of ${batchSize}`,
    );
    await this.setUp();
    for (let b = 0; b < batches; b++) {
      const onlyHere = this.opts.only?.filter((o) => o.batch === b);
      if (this.opts.only && !onlyHere?.length) continue;
      const batchStarted = performance.now();
      const n = Math.min(batchSize, this.opts.runs - b * batchSize);
      const cases = fc.sample(fuzzCase, { seed: batchSeed(this.opts.seed, b), numRuns: n });
      const user = `fuzz-${this.opts.seed}-${b}`;
      const own = await this.fixtures(user);
      let ran = 0;
      for (const [i, c] of cases.entries()) {
        if (onlyHere && !onlyHere.some((o) => o.index === i)) continue;
        await this.runCase(c, own, `${this.opts.seed}/${b}/${i}`);
        ran++;
      }
      const burst = this.opts.only ? 'not run' : await this.burst(b, `${user}-burst`);
      const checks = await this.batchChecks(b);
      await this.cleanUp();
      const result: BatchResult = { batch: b, user, cases: ran, ...checks, burst, seconds: (performance.now() - batchStarted) / 1000 };
      this.report.batches.push(result);
      this.report.gatewayPeakRssMiB = peakRssMiB(this.gateway.pid);
      this.log(
        `batch ${b}: ${ran} cases in ${result.seconds.toFixed(1)} s, burst ${burst}, readyz ${checks.readyz}, canary ${checks.canary}; total ${this.report.cases} cases, 5xx ${this.report.fiveXx}, timeouts ${this.report.timeouts}, store changes on rejection ${this.report.storeChangesOnRejection}`,
      );
    }
    this.report.seconds = (performance.now() - started) / 1000;
    return this.report;
  }
}

/** The gateway's peak resident set (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function runFuzz(sys: System, opts: FuzzOptions): Promise<FuzzReport> {
  return new FuzzRunner(sys, opts).run();
}

// ── reporting ───────────────────────────────────────────────────────────────────────────────────

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
}

export function formatReport(r: FuzzReport): string {
  const statuses = Object.entries(r.statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ');
  const classes = Object.entries(r.classes)
    .map(([c, v]) => `${c} ${v.cases} (${v.accepted} answered 2xx/3xx)`)
    .join(', ');
  const lines = [
    `seed                          ${r.seed}`,
    `cases                         ${r.cases} (${classes})`,
    `status counts                 ${statuses}`,
    `5xx                           ${r.fiveXx}`,
    `timeouts                      ${r.timeouts}`,
    `rejected (4xx)                ${r.rejected}`,
    `store changes by rejected     ${r.storeChangesOnRejection}`,
    `victim's documents changed    ${r.victimChanges}`,
    `time per rejected request     p50 ${percentile(r.rejectedMs, 50).toFixed(1)} ms, p99 ${percentile(r.rejectedMs, 99).toFixed(1)} ms (n=${r.rejectedMs.length}, whole answer over HTTP)`,
    `gateway peak RSS              ${r.gatewayPeakRssMiB === null ? '?' : `${r.gatewayPeakRssMiB.toFixed(0)} MiB`}`,
    `non-JSON 4xx answers          ${r.nonJsonErrors.length}`,
    `batches                       ${r.batches.length}: readyz ${summarize(r.batches.map((b) => b.readyz))}; canary ${summarize(r.batches.map((b) => b.canary))}`,
    `concurrent bursts (${BURST} runs) ${summarize(r.batches.map((b) => b.burst))}`,
    `wall time                     ${r.seconds.toFixed(0)} s`,
  ];
  return lines.join('\n');
}

function summarize(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].map(([x, n]) => `${x} ×${n}`).join(', ');
}

/** Status counts per case family (`valid:threads.create`, `near:items.list:long`, …). */
export function formatFamilies(r: FuzzReport): string {
  return Object.entries(r.families)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([family, statuses]) =>
        `  ${family.padEnd(48)} ${Object.entries(statuses)
          .map(([s, n]) => `${s}:${n}`)
          .join(' ')}`,
    )
    .join('\n');
}

export function formatFailures(r: FuzzReport, max = 20): string {
  return r.failures
    .slice(0, max)
    .map((f) =>
      [
        `── ${f.kind} at ${f.where}${f.family ? ` (${f.family})` : ''}`,
        f.detail ? `detail: ${f.detail}` : '',
        f.request ? `request:\n${f.request}` : '',
        f.response ? `response: ${f.response}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n');
}
