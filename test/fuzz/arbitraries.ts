// fast-check generators for the gateway's request boundary: every ChatKit request type (docs/protocol.md §3)
// and every other route, as valid requests, near-valid ones (one field wrong) and garbage.
//
// A generated case is plain data, printable as it is: ids the case cannot know in advance (the fuzzing
// user's threads, items, attachments, runs and signed file URLs, another user's ids) are placeholders
// `{{kind:who:slot:n}}` that the harness (harness.ts) resolves against what exists when the case runs, and
// sizes that would make a case unprintable are markers (`__fuzz_str`, `__fuzz_repeat`, `__fuzz_deep`,
// `__fuzz_raw`) that the encoder (`encodeJson`) expands.
import fc from 'fast-check';

// ── the case model ──────────────────────────────────────────────────────────────────────────────

/** What a case expects of itself; the harness checks invariants, never that a category got its status. */
export type CaseClass = 'valid' | 'near' | 'garbage';

export type BodySpec =
  /** JSON text from a value that may hold placeholders and markers. */
  | { kind: 'json'; value: unknown }
  /** Text sent as UTF-8 (placeholders resolved). */
  | { kind: 'text'; text: string }
  /** Bytes, base64 (printable). */
  | { kind: 'bytes'; base64: string }
  /** One unit repeated: bodies over the body limit without a megabyte in the case. */
  | { kind: 'repeat'; unit: string; times: number }
  /** An upload's bytes as they are (a raw body). */
  | { kind: 'file'; content: FileContent }
  /** A multipart/form-data body; the encoder adds its Content-Type (with the boundary) unless the case has one. */
  | { kind: 'multipart'; parts: MultipartPart[]; boundary?: string };

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  content: FileContent;
}

/** Upload contents, named so a case stays small: the encoder makes the bytes. */
export type FileContent =
  | { kind: 'png'; width: number; height: number }
  /** A PNG cut after `keep` bytes. */
  | { kind: 'png-truncated'; keep: number }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; base64: string }
  | { kind: 'jpeg-garbage' };

/** How the body's bytes are transformed on the way out. */
export type BodyTransform =
  | 'none'
  | 'gzip'
  | 'deflate'
  | 'br'
  /** Cut the encoded bytes at `cut` (fraction of the length). */
  | 'truncate'
  /** A UTF-8 byte order mark in front. */
  | 'bom'
  /** An invalid UTF-8 sequence spliced in. */
  | 'bad-utf8'
  /** Trailing garbage after the JSON value. */
  | 'trailing';

export interface HttpCase {
  kind: 'http';
  class: CaseClass;
  /** What the case is, for the per-family counts: `valid:threads.create`, `near:threads.list:retype`, `garbage:bytes`, … */
  family: string;
  method: string;
  /** Sent as is (raw, possibly not validly percent-encoded); placeholders resolved. */
  path: string;
  /** In order; a name may repeat. `{{user}}` is the fuzzing user. */
  headers: Array<[string, string]>;
  body?: BodySpec;
  transform?: BodyTransform;
  cut?: number;
  /** Needs a run of the fuzzing user that is still running (`{{run:live}}`): the harness starts and ends it. */
  live?: boolean;
}

/** Bytes written to a fresh TCP connection: HTTP the server's parser must refuse, not the app. */
export interface RawCase {
  kind: 'raw';
  class: 'garbage';
  family: string;
  /** latin1 text, placeholders resolved. */
  data: string;
}

export type FuzzCase = HttpCase | RawCase;

// ── markers the encoder expands ─────────────────────────────────────────────────────────────────

/** A string of `unit` repeated `times` times. */
export const longString = (unit: string, times: number) => ({ __fuzz_str: { unit, times } });
/** An array of `times` copies of `value`. */
export const repeated = (value: unknown, times: number) => ({ __fuzz_repeat: { value, times } });
/** Objects (or arrays) nested `depth` levels around `leaf`. */
export const deep = (depth: number, container: 'object' | 'array' = 'object', leaf: unknown = {}) => ({
  __fuzz_deep: { depth, container, leaf },
});
/** Text put into the JSON as is (`NaN`, `1e999`, `-`, a duplicate key, …). */
export const raw = (text: string) => ({ __fuzz_raw: text });

function markerOf(value: unknown): [string, unknown] | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !keys[0]!.startsWith('__fuzz_')) return null;
  return [keys[0]!, (value as Record<string, unknown>)[keys[0]!]];
}

/** JSON text of `value`, markers expanded, every string passed through `resolve` (placeholders). */
export function encodeJson(value: unknown, resolve: (s: string) => string = (s) => s): string {
  const out: string[] = [];
  const write = (v: unknown): void => {
    const marker = markerOf(v);
    if (marker) {
      const [name, arg] = marker as [string, Record<string, unknown>];
      if (name === '__fuzz_str') out.push(JSON.stringify(String(arg.unit).repeat(Number(arg.times))));
      else if (name === '__fuzz_raw') out.push(String(arg));
      else if (name === '__fuzz_repeat') {
        const one: string[] = [];
        const saved = out.length;
        write(arg.value);
        one.push(...out.splice(saved));
        const item = one.join('');
        out.push('[', Array.from({ length: Number(arg.times) }, () => item).join(','), ']');
      } else if (name === '__fuzz_deep') {
        const depth = Number(arg.depth);
        const [open, close] = arg.container === 'array' ? ['[', ']'] : ['{"d":', '}'];
        out.push(open.repeat(Math.max(0, depth - 1)));
        write(arg.leaf);
        out.push(close.repeat(Math.max(0, depth - 1)));
      } else throw new Error(`unknown marker ${name}`);
      return;
    }
    if (typeof v === 'string') out.push(JSON.stringify(resolve(v)));
    else if (v === undefined) out.push('null');
    else if (typeof v !== 'object' || v === null) out.push(JSON.stringify(v));
    else if (Array.isArray(v)) {
      out.push('[');
      v.forEach((x, i) => {
        if (i) out.push(',');
        write(x);
      });
      out.push(']');
    } else {
      out.push('{');
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        if (!first) out.push(',');
        first = false;
        out.push(JSON.stringify(resolve(k)), ':');
        write(x);
      }
      out.push('}');
    }
  };
  write(value);
  return out.join('');
}

// ── placeholders ────────────────────────────────────────────────────────────────────────────────

export type Who = 'own' | 'victim';
/** Thread slots: any thread, one whose newest item is a pending client tool call, … */
export type ThreadSlot = 'any' | 'tool';
/** Item slots (each comes with its thread: `{{itemthread:…}}` names the same entry's thread). */
export type ItemSlot = 'user' | 'widget' | 'si' | 'assistant' | 'hidden' | 'any';
export type AttachmentSlot = 'pending' | 'uploaded' | 'any';

const slotIndex = fc.nat(63);
const thread = (who: Who, slot: ThreadSlot) => slotIndex.map((n) => `{{thread:${who}:${slot}:${n}}}`);
/** An item and its thread, the same pool entry. */
const itemRef = (who: Who, slot: ItemSlot) =>
  slotIndex.map((n) => ({ thread: `{{itemthread:${who}:${slot}:${n}}}`, item: `{{item:${who}:${slot}:${n}}}` }));
const attachment = (who: Who, slot: AttachmentSlot) => slotIndex.map((n) => `{{atc:${who}:${slot}:${n}}}`);
const run = (who: Who) => slotIndex.map((n) => `{{run:${who}:${n}}}`);

export const USER = '{{user}}';
const USER_HEADER = 'X-Switchyard-User';

// ── building blocks ─────────────────────────────────────────────────────────────────────────────

/**
 * The conformance app (test/fixtures/conformance-app.ts) answers by the scenario tag in the text. These
 * end on their own; M1–M3 and golden-13 wait for a cancel, and are started only by the harness (live runs).
 */
const SCENARIOS = [
  '',
  '',
  '',
  '[C6] ',
  '[F1] ',
  '[F6] ',
  '[I1] ',
  '[H1] ',
  '[K2] ',
  '[B2] ',
  '[C2] ',
  '[C4] ',
  '[C8] ',
  '[D1] ',
  '[D3] ',
  '[E1] ',
  '[E2] ',
  '[E4] ',
  '[G1] ',
  '[B7] ',
];
const HANGING_TAG = /\[([A-Z]\d+)\]/g;

/** Free text (any Unicode, lone surrogates included) with no accidental scenario tag. */
const freeText = (maxLength: number) =>
  fc
    .oneof(
      { arbitrary: fc.string({ maxLength, unit: 'grapheme' }), weight: 4 },
      { arbitrary: fc.string({ maxLength, unit: 'binary' }), weight: 2 },
      {
        arbitrary: fc.constantFrom(
          'héllo wörld',
          '日本語のテキスト',
          '👩‍👩‍👧‍👦🏳️‍🌈',
          '\u202eevil\u202c',
          '\ud800',
          'a\u0000b',
          '<script>alert(1)</script>',
          '{{user}}',
          '\r\n\r\n',
        ),
        weight: 1,
      },
    )
    .map((s) => s.replace(HANGING_TAG, '[$1 ]'));

const userText = fc.tuple(fc.constantFrom(...SCENARIOS), freeText(120)).map(([tag, text]) => `${tag}${text}`);

/** A small free-form JSON object without the keys the conformance app reads from metadata. */
const smallObject = fc
  .dictionary(
    fc.string({ maxLength: 12 }).filter((k) => k !== 'scenario' && k !== 'allow_cancel' && !k.startsWith('__fuzz_')),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 4 },
  )
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

/**
 * Keys a document store treats specially: operators, dotted paths, a NUL (BSON keys are C strings), the
 * prototype's names, the store's own fields. Valid JSON object keys, all of them.
 */
const HOSTILE_KEYS = ['$where', '$set', '$gt', '$', 'a.b', '.', '', '__proto__', 'constructor', 'a\u0000b', '\u0000', '_id', 'owner', 'x'];

/** Free-form JSON whose objects have hostile keys (built with fromEntries: `__proto__` stays an own key). */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.jsonValue({ maxDepth: 0 }),
    fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS), tie('value')), { maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
})).value;
const hostileObject = fc
  .array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS), hostileJson), { minLength: 1, maxLength: 3 })
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

const inputText = userText.map((text) => ({ type: 'input_text', text }));
const inputTag = fc.record(
  {
    type: fc.constant('input_tag'),
    id: fc.string({ minLength: 1, maxLength: 20 }),
    text: freeText(40),
    data: fc.oneof({ arbitrary: smallObject, weight: 3 }, { arbitrary: hostileObject, weight: 1 }),
    group: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
    interactive: fc.boolean(),
  },
  { requiredKeys: ['type', 'id', 'text'] },
);

const inferenceOptions = fc.oneof(
  fc.constant({}),
  fc.record({ model: fc.constantFrom('gpt-x', 'gpt-4.1', null) }),
  fc.record({ tool_choice: fc.oneof(fc.constant(null), fc.record({ id: fc.constantFrom('web', 'search') })) }),
);

const userMessageInput = fc.record(
  {
    content: fc.tuple(inputText, fc.array(fc.oneof(inputText, inputTag), { maxLength: 2 })).map(([first, rest]) => [first, ...rest]),
    attachments: fc.oneof(
      { arbitrary: fc.constant([] as string[]), weight: 4 },
      { arbitrary: fc.array(attachment('own', 'uploaded'), { minLength: 1, maxLength: 2 }), weight: 1 },
    ),
    quoted_text: fc.option(freeText(40), { nil: undefined }),
    inference_options: inferenceOptions,
  },
  { requiredKeys: ['content', 'attachments', 'inference_options'] },
);

const metadata = fc.option(fc.oneof({ arbitrary: smallObject, weight: 3 }, { arbitrary: hostileObject, weight: 1 }), {
  nil: undefined,
  freq: 3,
});
const action = fc.record(
  { type: fc.constantFrom('replace', 'send', 'noop', 'like'), payload: fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileJson) },
  { requiredKeys: ['type'] },
);
const pageLimit = fc.option(fc.oneof(fc.nat(150), fc.constant(null)), { nil: undefined });
const order = fc.option(fc.constantFrom('asc', 'desc'), { nil: undefined });
const MIME_TYPES = [
  'image/png',
  'image/jpeg',
  'text/plain',
  'application/pdf',
  'audio/webm;codecs=opus',
  'application/octet-stream',
  'text/csv; charset=utf-8',
];

const req = (type: string, params: fc.Arbitrary<Record<string, unknown>>) =>
  fc.record({ type: fc.constant(type), params, metadata }, { requiredKeys: ['type', 'params'] });

/** A valid request of each of the sixteen types, naming the fuzzing user's own threads, items and attachments. */
export const validRequests: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'threads.create': req('threads.create', fc.record({ input: userMessageInput })),
  'threads.add_user_message': req('threads.add_user_message', fc.record({ thread_id: thread('own', 'any'), input: userMessageInput })),
  'threads.add_client_tool_output': req(
    'threads.add_client_tool_output',
    fc.record({ thread_id: thread('own', 'tool'), result: fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileJson) }),
  ),
  'threads.add_structured_input': req(
    'threads.add_structured_input',
    fc
      .tuple(
        itemRef('own', 'si'),
        fc.constantFrom('answered', 'skipped', undefined),
        fc.record(
          {
            subject: fc.record({ values: fc.subarray(['Math', 'Science']), skipped: fc.boolean() }, { requiredKeys: [] }),
            details: fc.record({ values: fc.array(freeText(30), { maxLength: 2 }) }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([ref, status, answers]) => ({ thread_id: ref.thread, item_id: ref.item, input: { ...(status ? { status } : {}), answers } })),
  ),
  'threads.retry_after_item': req(
    'threads.retry_after_item',
    itemRef('own', 'user').map((ref) => ({ thread_id: ref.thread, item_id: ref.item })),
  ),
  'threads.custom_action': req(
    'threads.custom_action',
    fc
      .tuple(itemRef('own', 'widget'), fc.boolean(), action)
      .map(([ref, withItem, a]) => ({ thread_id: ref.thread, ...(withItem ? { item_id: ref.item } : {}), action: a })),
  ),
  'threads.get_by_id': req('threads.get_by_id', fc.record({ thread_id: thread('own', 'any') })),
  'threads.list': req(
    'threads.list',
    fc.record({ limit: pageLimit, order, after: fc.option(thread('own', 'any'), { nil: undefined }) }, { requiredKeys: [] }),
  ),
  'items.list': req(
    'items.list',
    fc
      .tuple(itemRef('own', 'any'), pageLimit, order, fc.boolean())
      .map(([ref, limit, o, after]) => ({ thread_id: ref.thread, limit, order: o, ...(after ? { after: ref.item } : {}) })),
  ),
  'items.feedback': req(
    'items.feedback',
    fc
      .tuple(itemRef('own', 'assistant'), fc.constantFrom('positive', 'negative'))
      .map(([ref, kind]) => ({ thread_id: ref.thread, item_ids: [ref.item], kind })),
  ),
  'attachments.create': req(
    'attachments.create',
    fc.record({
      name: fc.oneof(
        fc.constantFrom('cat.png', 'notes.txt', 'ü.pdf'),
        freeText(30).filter((s) => s.length > 0),
      ),
      size: fc.nat(20 * 1024 * 1024),
      mime_type: fc.constantFrom(...MIME_TYPES),
    }),
  ),
  'attachments.delete': req('attachments.delete', fc.record({ attachment_id: attachment('own', 'any') })),
  'threads.update': req('threads.update', fc.record({ thread_id: thread('own', 'any'), title: freeText(60) })),
  'threads.delete': req('threads.delete', fc.record({ thread_id: thread('own', 'any') })),
  'input.transcribe': req(
    'input.transcribe',
    fc.record({
      audio_base64: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
      mime_type: fc.constantFrom('audio/webm;codecs=opus', 'audio/mp4', 'audio/wav'),
    }),
  ),
  'threads.sync_custom_action': req(
    'threads.sync_custom_action',
    fc
      .tuple(itemRef('own', 'widget'), fc.boolean(), action)
      .map(([ref, withItem, a]) => ({ thread_id: ref.thread, ...(withItem ? { item_id: ref.item } : {}), action: a })),
  ),
};

export const REQUEST_TYPES = Object.keys(validRequests);

// ── one field wrong ─────────────────────────────────────────────────────────────────────────────

type Path = Array<string | number>;

/** Every path to a value inside `value` (markers are leaves), the root excluded. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (typeof value !== 'object' || value === null || markerOf(value)) return out;
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (v === undefined) continue;
    const p = [...prefix, k];
    out.push(p);
    pathsOf(v, p, out);
  }
  return out;
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], value);
}

/** A copy of `value` with the value at `path` replaced by `f(old)`, or removed when `f` returns REMOVE. */
const REMOVE = Symbol('remove');
function updateAt(value: unknown, path: Path, f: (old: unknown) => unknown): unknown {
  if (path.length === 0) return f(value);
  const [head, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = updateAt(copy[head as number], rest, f);
    if (next === REMOVE) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  const next = updateAt(copy[head as string], rest, f);
  if (next === REMOVE) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

/** Values of every JSON type (and a few that only look like one), for a field of another type. */
const OTHER_TYPES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53 + 2,
  -0,
  '',
  ' ',
  'x',
  '0',
  'null',
  [],
  [null],
  {},
  { $gt: '' },
  { $ne: null },
  raw('1e999'),
  raw('-1e-999'),
  raw('123456789012345678901234567890'),
];

/** Ids that are not the fuzzing user's: malformed, path-like, injection-like, another user's. */
const BAD_IDS: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'thr_missing00000000',
    'msg_missing',
    'atc_missing',
    'run_missing',
    '../../../../etc/passwd',
    '..',
    'thr_x/../../y',
    'a\u0000b',
    '%00',
    '%zz',
    '\u202e',
    '🧵',
    '$where',
    '{"$gt":""}',
    'thr_' + 'x'.repeat(124),
    'constructor',
    '__proto__',
  ),
  fc.constant(longString('x', 129)),
  fc.constant(longString('é', 129)),
  thread('victim', 'any'),
  itemRef('victim', 'any').map((r) => r.item),
  itemRef('victim', 'widget').map((r) => r.item),
  itemRef('victim', 'si').map((r) => r.item),
  attachment('victim', 'any'),
  thread('own', 'any'),
  fc.string({ maxLength: 40, unit: 'binary' }),
);

const LONG_LENGTHS = [129, 256, 1_025, 100_001, 300_000];
const DEPTHS = [17, 31, 33, 100, 10_000];
const HUGE_COUNTS = [101, 1_001, 19_990, 20_001, 100_000];

export type Mutation = 'drop' | 'retype' | 'long' | 'deep' | 'huge' | 'unicode' | 'bad-id' | 'extra' | 'null';

/** `value` with one thing wrong at one path (or, for `extra`, one key too many in one object). */
export function mutated(value: Record<string, unknown>): fc.Arbitrary<{ value: unknown; mutation: Mutation; path: string }> {
  const paths = pathsOf(value);
  const objects: Path[] = [[], ...paths.filter((p) => isPlainObject(getAt(value, p)))];
  const at = fc.constantFrom(...paths);
  const describe = (p: Path) => p.join('.') || 'body';
  const replaceWith = (mutation: Mutation, replacement: fc.Arbitrary<unknown>) =>
    fc.tuple(at, replacement).map(([p, r]) => ({ value: updateAt(value, p, () => r), mutation, path: describe(p) }));
  return fc.oneof(
    fc.tuple(at).map(([p]) => ({ value: updateAt(value, p, () => REMOVE), mutation: 'drop' as Mutation, path: describe(p) })),
    replaceWith('retype', fc.constantFrom(...OTHER_TYPES)),
    replaceWith('null', fc.constant(null)),
    replaceWith(
      'long',
      fc.tuple(fc.constantFrom(...LONG_LENGTHS), fc.constantFrom('a', 'é', '𝄞', '\\', '"')).map(([n, u]) => longString(u, n)),
    ),
    replaceWith(
      'deep',
      fc.tuple(fc.constantFrom(...DEPTHS), fc.constantFrom<'object' | 'array'>('object', 'array')).map(([d, c]) => deep(d, c)),
    ),
    replaceWith(
      'huge',
      fc
        .tuple(fc.constantFrom(...HUGE_COUNTS), fc.constantFrom<unknown>('atc_1', 0, { type: 'input_text', text: 'x' }, null))
        .map(([n, v]) => repeated(v, n)),
    ),
    replaceWith(
      'unicode',
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }),
        fc.constantFrom('\ud800\udc00\ud800', '\u0000', '\uffff', 'e\u0301'.repeat(50)),
      ),
    ),
    replaceWith('bad-id', BAD_IDS),
    fc
      .tuple(
        fc.constantFrom(...objects),
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', '$where', 'toString', 'hasOwnProperty'),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(([p, key, v]) => ({
        // JSON.parse makes `__proto__` an own key: the raw text is what a hostile client sends.
        value: updateAt(value, p, (old) => ({ ...(old as Record<string, unknown>), [key]: v })),
        mutation: 'extra' as Mutation,
        path: `${describe(p)}.${key}`,
      })),
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !markerOf(v);
}

/** The whole body wrong: not an object, no type, an unknown type, params missing or of another type. */
const wrongEnvelope: fc.Arbitrary<{ value: unknown; what: string }> = fc.oneof(
  fc
    .constantFrom<unknown>(null, 0, 'threads.list', [], [{ type: 'threads.list', params: {} }], true)
    .map((value) => ({ value, what: 'not-object' })),
  fc.constant({ value: { params: {} }, what: 'no-type' }),
  fc
    .constantFrom('threads.foo', 'THREADS.LIST', 'threads.list ', '', '__proto__', 'constructor', 'threads.create\u0000', 'toString')
    .map((type) => ({ value: { type, params: {} }, what: 'unknown-type' })),
  fc.constantFrom(...REQUEST_TYPES).map((type) => ({ value: { type }, what: 'no-params' })),
  fc
    .tuple(fc.constantFrom(...REQUEST_TYPES), fc.constantFrom<unknown>(null, [], 'x', 1, true))
    .map(([type, params]) => ({ value: { type, params }, what: 'params-type' })),
  fc.constantFrom(...REQUEST_TYPES).map((type) => ({ value: { type: 7, params: {}, _: type }, what: 'type-type' })),
  fc
    .tuple(fc.constantFrom(...REQUEST_TYPES), fc.constantFrom(17, 33, 200))
    .map(([type, d]) => ({ value: { type, params: {}, metadata: deep(d) }, what: 'deep-metadata' })),
  fc
    .tuple(fc.constantFrom(...REQUEST_TYPES), fc.constantFrom(16_385, 70_000))
    .map(([type, n]) => ({ value: { type, params: {}, metadata: { big: longString('m', n) } }, what: 'big-metadata' })),
);

// ── requests on the wire ────────────────────────────────────────────────────────────────────────

const JSON_TYPE: Array<[string, string]> = [['Content-Type', 'application/json']];
const asUser: Array<[string, string]> = [[USER_HEADER, USER]];

/** Identity headers: mostly the fuzzing user, sometimes none (`dev`), a fresh user, or a malformed name. */
const userHeaders: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
  { arbitrary: fc.constant(asUser), weight: 20 },
  { arbitrary: fc.constant([] as Array<[string, string]>), weight: 1 },
  {
    arbitrary: fc
      .constantFrom(
        '',
        ' ',
        '.hidden',
        '-x',
        '@x',
        'a..b',
        '..',
        'a/b',
        'x'.repeat(129),
        'tenant:user',
        'ok@example.com',
        'spa ce',
        'ü\u00ff',
        'a,b',
        `{{user}}, {{user}}`,
      )
      .map((v): Array<[string, string]> => [[USER_HEADER, v]]),
    weight: 2,
  },
  { arbitrary: fc.constant<Array<[string, string]>>([asUser[0]!, [USER_HEADER, 'someone-else']]), weight: 1 },
);

/** POST /chatkit of a JSON value. */
const chatkitPost = (cls: CaseClass, family: string, value: unknown, headers: Array<[string, string]>): HttpCase => ({
  kind: 'http',
  class: cls,
  family,
  method: 'POST',
  path: '/chatkit',
  headers: [...JSON_TYPE, ...headers],
  body: { kind: 'json', value },
});

const anyType = fc.constantFrom(...REQUEST_TYPES);

export const validChatKit: fc.Arbitrary<HttpCase> = anyType.chain((type) =>
  validRequests[type]!.map((value) => chatkitPost('valid', `valid:${type}`, value, asUser)),
);

export const nearValidChatKit: fc.Arbitrary<HttpCase> = fc.oneof(
  {
    weight: 8,
    arbitrary: anyType.chain((type) =>
      validRequests[type]!.chain((v) => mutated(v).map((m) => chatkitPost('near', `near:${type}:${m.mutation}`, m.value, asUser))),
    ),
  },
  { weight: 2, arbitrary: wrongEnvelope.map((w) => chatkitPost('near', `near:envelope:${w.what}`, w.value, asUser)) },
  {
    // A valid body as another identity, or with odd identity headers.
    weight: 2,
    arbitrary: fc.tuple(validChatKit, userHeaders).map(([c, h]) => ({
      ...c,
      class: 'near' as CaseClass,
      family: `near:identity:${c.family.split(':')[1]}`,
      headers: [...JSON_TYPE, ...h],
    })),
  },
  {
    // Every id the request names belongs to the victim.
    weight: 3,
    arbitrary: validChatKit.map((c) => ({
      ...c,
      class: 'near' as CaseClass,
      family: `near:foreign-ids:${c.family.split(':')[1]}`,
      body:
        c.body?.kind === 'json'
          ? { kind: 'json' as const, value: JSON.parse(JSON.stringify(c.body.value).replaceAll(':own:', ':victim:')) }
          : c.body,
    })),
  },
  {
    // The JSON text itself wrong: cut, a BOM, invalid UTF-8, trailing garbage.
    weight: 2,
    arbitrary: fc
      .tuple(
        validChatKit,
        fc.constantFrom<BodyTransform>('truncate', 'bom', 'bad-utf8', 'trailing'),
        fc.double({ min: 0, max: 1, noNaN: true }),
      )
      .map(([c, transform, cut]) => ({ ...c, class: 'near' as CaseClass, family: `near:text:${transform}`, transform, cut })),
  },
  {
    // JSON the parser takes but a schema never should: NaN-like tokens, duplicate keys.
    weight: 1,
    arbitrary: fc
      .constantFrom(
        '{"type":"threads.list","params":{"limit":NaN}}',
        '{"type":"threads.list","params":{"limit":1e999}}',
        '{"type":"threads.list","params":{"limit":-0}}',
        '{"type":"threads.list","params":{"limit":20.0}}',
        '{"type":"threads.delete","type":"threads.list","params":{"thread_id":"{{thread:victim:any:0}}"}}',
        '{"type":"threads.list","params":{},"params":null}',
        '{"__proto__":{"type":"threads.list"},"params":{}}',
        '{"type":"threads.list","params":{"__proto__":{"limit":5}}}',
        '{"type":"threads.get_by_id","params":{"thread_id":"\\ud800"}}',
        '{"type":"threads.list","params":{}}\u0000',
        ' \n\t{"type":"threads.list","params":{}} \n',
      )
      .map((text): HttpCase => ({
        kind: 'http',
        class: 'near',
        family: 'near:json-text',
        method: 'POST',
        path: '/chatkit',
        headers: [...JSON_TYPE, ...asUser],
        body: { kind: 'text', text },
      })),
  },
);

/** Content types and encodings for POST /chatkit: the allowed ones, spellings of them, and others. */
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON;CHARSET="UTF-8"',
  'application/json;charset=utf8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset',
  'application/json;;;',
  'application/json, text/plain',
  'application/jsonx',
  'application/ld+json',
  'text/json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  '*/*',
  'application/json\u00ff',
];
const CONTENT_ENCODINGS = [
  'gzip',
  'deflate',
  'br',
  'identity',
  'IDENTITY',
  ' gzip ',
  'zstd',
  'gzip, gzip',
  'compress',
  'x-gzip',
  '',
  'chunked',
];

export const encodingCases: fc.Arbitrary<HttpCase> = fc
  .tuple(
    validChatKit,
    fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
    fc.option(fc.constantFrom(...CONTENT_ENCODINGS), { nil: undefined }),
    fc.constantFrom<BodyTransform>('none', 'gzip', 'deflate', 'br'),
  )
  .map(([c, type, encoding, transform]) => ({
    ...c,
    class: 'near' as CaseClass,
    family: `near:encoding:${transform}`,
    headers: [
      ...(type === undefined ? [] : ([['Content-Type', type]] as Array<[string, string]>)),
      ...(encoding === undefined ? [] : ([['Content-Encoding', encoding]] as Array<[string, string]>)),
      ...asUser,
    ],
    transform,
  }));

// ── the other routes ────────────────────────────────────────────────────────────────────────────

const LAST_EVENT_IDS = [
  '0',
  '1',
  '2',
  '3',
  '100',
  '1000000',
  '-1',
  '1.5',
  '1e3',
  '0x10',
  '',
  ' 3',
  '3 ',
  '+3',
  'abc',
  '99999999999999999999',
  '9007199254740993',
  'NaN',
  'Infinity',
  '\u00b3',
  '\u00ff',
];
const runIds: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: run('own') },
  { weight: 3, arbitrary: run('victim') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'run_missing',
      '',
      '%zz',
      '%',
      '..',
      '%2e%2e',
      'run_%00',
      '%E2%80%AE',
      'a'.repeat(300),
      'run_x%2Fevents',
      '{{user}}',
    ),
  },
);

export const runRouteCases: fc.Arbitrary<HttpCase> = fc.oneof(
  fc
    .tuple(
      runIds,
      fc.option(fc.constantFrom(...LAST_EVENT_IDS), { nil: undefined }),
      fc.option(fc.constantFrom(...LAST_EVENT_IDS), { nil: undefined }),
      userHeaders,
    )
    .map(([id, lastEventId, after, user]): HttpCase => ({
      kind: 'http',
      class: id.includes(':own:') && user === asUser && (lastEventId === undefined || /^\d{1,6}$/.test(lastEventId)) ? 'valid' : 'near',
      family: 'route:run-events',
      method: 'GET',
      path: `/chatkit/runs/${id}/events${after === undefined ? '' : `?after=${encodeURIComponent(after)}`}`,
      headers: [
        ...user,
        ...(lastEventId === undefined ? [] : ([['Last-Event-ID', lastEventId]] as Array<[string, string]>)),
        ['Accept', 'text/event-stream'],
      ],
    })),
  fc.tuple(runIds, userHeaders, fc.constantFrom('POST', 'GET', 'PUT')).map(([id, user, method]): HttpCase => ({
    kind: 'http',
    class: id.includes(':own:') && user === asUser && method === 'POST' ? 'valid' : 'near',
    family: `route:run-cancel${method === 'POST' ? '' : `:${method}`}`,
    method,
    path: `/chatkit/runs/${id}/cancel`,
    headers: user,
  })),
  // A run that is still running: cancelled by the case (or by the harness afterwards).
  fc.tuple(userHeaders, fc.constantFrom('{{run:live}}', '{{run:live}}', '{{run:victim:0}}')).map(([user, id]): HttpCase => ({
    kind: 'http',
    class: user === asUser && id === '{{run:live}}' ? 'valid' : 'near',
    family: 'route:run-cancel-live',
    method: 'POST',
    path: `/chatkit/runs/${id}/cancel`,
    headers: user,
    live: true,
  })),
);

const pngContent = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('png' as const),
      width: fc.integer({ min: 1, max: 64 }),
      height: fc.integer({ min: 1, max: 64 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('png' as const),
      width: fc.constantFrom(8193, 100_000, 2 ** 31 - 1, 4097, 0),
      height: fc.constantFrom(1, 4097, 8193, 2 ** 31 - 1, 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('png-truncated' as const), keep: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'jpeg-garbage' as const }) },
);
const fileContent: fc.Arbitrary<FileContent> = fc.oneof(
  pngContent,
  freeText(200).map((text) => ({ kind: 'text' as const, text })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'bytes' as const, base64: Buffer.from(b).toString('base64') })),
);
const PART_TYPES = [
  'image/png',
  'image/jpeg',
  'text/plain',
  'application/octet-stream',
  'application/pdf',
  'image/svg+xml',
  'text/html',
  'not a type',
  'image/png; x="',
  undefined,
];

const multipartBody = fc
  .tuple(
    fc.constantFrom('file', 'file', 'file', 'files', ''),
    fc.option(
      fc.oneof(fc.constantFrom('cat.png', 'notes.txt', '../../etc/passwd', 'a\u0000b.png', '', '😀.png', 'x'.repeat(2000)), freeText(20)),
      { nil: undefined },
    ),
    fc.constantFrom(...PART_TYPES),
    fileContent,
    fc.boolean(),
    fc.option(fc.constantFrom('', 'x'.repeat(80), 'b"q', 'bound ary'), { nil: undefined, freq: 6 }),
  )
  .map(([name, filename, contentType, content, extraPart, boundary]): BodySpec => ({
    kind: 'multipart',
    parts: [
      { name, ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}), content },
      ...(extraPart
        ? [{ name: 'file', filename: 'second.txt', contentType: 'text/plain', content: { kind: 'text' as const, text: 'second' } }]
        : []),
    ],
    ...(boundary !== undefined ? { boundary } : {}),
  }));

const uploadTokens = fc.oneof(
  { weight: 6, arbitrary: fc.constant('{{token:own:pending:MATCH}}') },
  { weight: 1, arbitrary: fc.constant('{{token:victim:pending:0}}') },
  { weight: 1, arbitrary: fc.constant('{{token:own:pending:OTHER}}') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'v1.0.' + 'A'.repeat(43),
      'v1.99999999999.' + 'A'.repeat(43),
      'v2.1.abc',
      'garbage',
      'v1.1.' + 'é'.repeat(43),
    ),
  },
);

const BAD_ATTACHMENT_IDS = ['atc_missing', '%zz', '..', 'a'.repeat(300), '%2e%2e%2f', ''];

export const uploadCases: fc.Arbitrary<HttpCase> = fc.oneof(
  // Direct: a multipart POST (or raw bytes, which the direct route refuses).
  fc.tuple(multipartBody, fileContent, userHeaders, fc.nat(5)).map(([multipart, content, user, n]): HttpCase => {
    const rawBody = n === 0;
    return {
      kind: 'http',
      class: 'near',
      family: rawBody ? 'route:upload-direct:raw' : 'route:upload-direct',
      method: 'POST',
      path: '/chatkit/uploads',
      headers: [...user, ...(rawBody ? ([['Content-Type', 'image/png']] as Array<[string, string]>) : [])],
      body: rawBody ? { kind: 'file', content } : multipart,
    };
  }),
  // Two-phase, second step: raw bytes or multipart to a pending attachment, with its token or another.
  fc
    .tuple(
      slotIndex,
      fc.constantFrom<Who>('own', 'own', 'own', 'victim'),
      uploadTokens,
      fc.oneof(
        fileContent.map((content): BodySpec => ({ kind: 'file', content })),
        multipartBody,
      ),
      fc.constantFrom('PUT', 'PUT', 'POST'),
      userHeaders,
      fc.option(fc.constantFrom('image/png', 'text/plain', 'application/octet-stream', 'text/plain; charset=utf-8'), { nil: undefined }),
    )
    .map(([n, who, token, body, method, user, type]): HttpCase => {
      const id = who === 'own' && n % 9 === 8 ? BAD_ATTACHMENT_IDS[n % BAD_ATTACHMENT_IDS.length]! : `{{atc:${who}:pending:${n}}}`;
      const tok = token.replace('MATCH', String(n)).replace('OTHER', String(n + 1));
      return {
        kind: 'http',
        class: 'near',
        family: `route:upload-second-phase${body.kind === 'multipart' ? ':multipart' : ''}`,
        method,
        path: `/chatkit/uploads/${id}`,
        headers: [
          ...user,
          ['X-Switchyard-Upload-Token', tok],
          ...(body.kind === 'file' && type ? ([['Content-Type', type]] as Array<[string, string]>) : []),
        ],
        body,
      };
    }),
);

const RANGES = [
  'bytes=0-0',
  'bytes=0-10',
  'bytes=-5',
  'bytes=100000-',
  'bytes=5-1',
  'bytes=0-1,3-4',
  'bytes=abc',
  'items=0-1',
  'bytes=' + '0-1,'.repeat(200) + '0-1',
];

export const fileCases: fc.Arbitrary<HttpCase> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: slotIndex.map((n) => `{{file:own:${n}}}`) },
      { weight: 1, arbitrary: slotIndex.map((n) => `{{file:victim:${n}}}`) },
      { weight: 2, arbitrary: slotIndex.map((n) => `{{filepath:own:${n}}}?exp={{fileexp:own:${n}}}&sig=${'A'.repeat(43)}`) },
      { weight: 1, arbitrary: slotIndex.map((n) => `{{filepath:own:${n}}}?exp=1&sig={{filesig:own:${n}}}`) },
      { weight: 1, arbitrary: slotIndex.map((n) => `{{filepath:own:${n}}}`) },
      { weight: 1, arbitrary: slotIndex.map((n) => `{{filepath:own:${n}}}?exp={{fileexp:own:${n}}}&exp=1&sig={{filesig:own:${n}}}&sig=x`) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '/files/%zz',
          '/files/%',
          '/files/%E0%A4%A',
          '/files/%c0%af',
          '/files/',
          '/files',
          '/files/../../../../etc/passwd',
          '/files/..%2f..%2f..%2fetc%2fpasswd',
          '/files/attachments/%2e%2e/%2e%2e/x?exp=9999999999&sig=x',
          '/files/attachments/x%00y?exp=1&sig=1',
          '/files/.env',
          '/files/attachments//x',
          '/files/' + 'a/'.repeat(500),
          '/files/\u00ff',
        ),
      },
    ),
    fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE'),
    fc.option(fc.constantFrom(...RANGES), { nil: undefined }),
    fc.option(fc.constantFrom('*', '"x"', 'W/"abc"'), { nil: undefined, freq: 6 }),
  )
  .map(([path, method, range, ifNoneMatch]): HttpCase => ({
    kind: 'http',
    class: path.startsWith('{{file:own') && (method === 'GET' || method === 'HEAD') ? 'valid' : 'near',
    family: `route:files:${method}`,
    method,
    path,
    headers: [
      ...(range ? ([['Range', range]] as Array<[string, string]>) : []),
      ...(ifNoneMatch ? ([['If-None-Match', ifNoneMatch]] as Array<[string, string]>) : []),
    ],
  }));

const DEMO_PATHS = [
  '/',
  '/demo/demo-app.js',
  '/demo/chatkit-client.js',
  '/demo/sse-parser.js',
  '/demo/demo.css',
  '/demo/index.html',
  '/demo/types.d.ts',
  '/demo/',
  '/demo',
  '/demo/%zz',
  '/demo/%',
  '/demo/..%2f..%2fpackage.json',
  '/demo/../package.json',
  '/demo/demo-app.js%00',
  '/demo/DEMO-APP.JS',
  '/?user=alice',
  '/demo/demo-app.js?x=%zz',
  '/demo/' + 'x'.repeat(3000),
];
const OPS_PATHS = [
  '/healthz',
  '/readyz',
  '/healthz?x=1',
  '/readyz/',
  '/HEALTHZ',
  '/metrics',
  '/ops',
  '/admin/queues',
  '/favicon.ico',
  '/.env',
  '/chatkit/',
  '//chatkit',
  '/chatkit%2fruns',
  '/chatkit/runs',
  '/chatkit/runs/',
  '/chatkit/uploads/',
  '*',
];

export const pageAndOpsCases: fc.Arbitrary<HttpCase> = fc
  .tuple(fc.constantFrom(...DEMO_PATHS, ...OPS_PATHS), fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE', 'PATCH'))
  .map(([path, method]): HttpCase => ({
    kind: 'http',
    class: method === 'GET' && ['/', '/healthz', '/readyz', '/demo/demo-app.js', '/demo/demo.css'].includes(path) ? 'valid' : 'near',
    family: `route:${path.startsWith('/demo') || path.startsWith('/?') || path === '/' ? 'demo' : 'ops'}:${method}`,
    method,
    path,
    headers: asUser,
  }));

/** CORS: allowed and other origins, preflights with odd requested headers. */
export const corsCases: fc.Arbitrary<HttpCase> = fc
  .tuple(
    fc.constantFrom(
      'https://app.example.com',
      'https://evil.example.com',
      'null',
      'https://app.example.com.evil.com',
      'HTTPS://APP.EXAMPLE.COM',
      '',
    ),
    fc.constantFrom('/chatkit', '/chatkit/uploads', '/chatkit/runs/{{run:own:0}}/events', '/files/x', '/healthz'),
    fc.boolean(),
    fc.constantFrom('content-type, x-switchyard-user', 'authorization', 'x-evil', 'last-event-id', ''),
  )
  .map(([origin, path, preflight, requested]): HttpCase => ({
    kind: 'http',
    class: 'near',
    family: `route:cors:${preflight ? 'preflight' : 'simple'}`,
    method: preflight ? 'OPTIONS' : 'GET',
    path,
    headers: [
      ['Origin', origin],
      ...asUser,
      ...(preflight
        ? ([
            ['Access-Control-Request-Method', 'POST'],
            ['Access-Control-Request-Headers', requested],
          ] as Array<[string, string]>)
        : []),
    ],
  }));

// ── garbage ─────────────────────────────────────────────────────────────────────────────────────

// CONNECT is a raw case: Node's client waits for a tunnel, Node's server (no 'connect' handler) closes it.
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE'];
const PATH_PIECES = [
  'chatkit',
  'runs',
  'uploads',
  'files',
  'demo',
  'events',
  'cancel',
  'healthz',
  'readyz',
  '%zz',
  '%',
  '%2F',
  '..',
  '.',
  '',
  '%00',
  '\u00e9',
  '{{run:own:0}}',
  '{{atc:own:pending:0}}',
  'x'.repeat(100),
];
const ODD_HEADERS: Array<[string, string]> = [
  ['Last-Event-ID', '-1'],
  ['Last-Event-ID', '\u00ff\u00fe'],
  ['Last-Event-ID', '1'.repeat(400)],
  ['Authorization', 'Bearer garbage'],
  ['Authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ2aWN0aW0ifQ.'],
  ['Authorization', 'Basic ' + Buffer.from('viewer:x').toString('base64')],
  ['Cookie', 'a=b; ' + 'c'.repeat(2000)],
  ['X-Forwarded-For', '127.0.0.1, 10.0.0.1'],
  ['X-Forwarded-Proto', 'https'],
  ['Accept', 'text/event-stream'],
  ['Accept-Encoding', 'gzip, br'],
  ['Transfer-Encoding', 'gzip'],
  ['Content-Length', '0'],
  ['Connection', 'close'],
  ['Connection', 'upgrade'],
  ['Upgrade', 'websocket'],
  ['Expect', '100-continue'],
  ['X-Switchyard-Upload-Token', 'v1.1.x'],
  ['Range', 'bytes=0-1'],
  ['Traceparent', '00-zz-zz-01'],
  ['Traceparent', '00-' + '0'.repeat(32) + '-' + '0'.repeat(16) + '-01'],
  ['Tracestate', 'x='.repeat(300)],
  ['Baggage', 'a=%zz'],
  ['Origin', 'https://evil.example.com'],
  ['Host', 'evil.example.com'],
  ['X-HTTP-Method-Override', 'DELETE'],
];

/** Header values Node's client can send: tab, printable ASCII and latin1 bytes. */
const headerValue = fc.string({
  maxLength: 60,
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
});

export const garbageCases: fc.Arbitrary<FuzzCase> = fc.oneof(
  // Random bytes to POST /chatkit under any content type.
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom(...CONTENT_TYPES),
        fc.option(fc.constantFrom(...CONTENT_ENCODINGS), { nil: undefined }),
      )
      .map(([bytes, type, encoding]): HttpCase => ({
        kind: 'http',
        class: 'garbage',
        family: 'garbage:bytes',
        method: 'POST',
        path: '/chatkit',
        headers: [
          ['Content-Type', type],
          ...(encoding !== undefined ? ([['Content-Encoding', encoding]] as Array<[string, string]>) : []),
          ...asUser,
        ],
        body: { kind: 'bytes', base64: Buffer.from(bytes).toString('base64') },
      })),
  },
  // Random JSON (valid JSON, meaningless request).
  {
    weight: 3,
    arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => chatkitPost('garbage', 'garbage:json', value, asUser)),
  },
  // Over the body limit (1 MiB), plain or as a gzip bomb.
  {
    weight: 1,
    arbitrary: fc.constantFrom<BodyTransform>('none', 'gzip').map((transform): HttpCase => ({
      kind: 'http',
      class: 'garbage',
      family: `garbage:oversize:${transform}`,
      method: 'POST',
      path: '/chatkit',
      headers: [...JSON_TYPE, ...asUser, ...(transform === 'gzip' ? ([['Content-Encoding', 'gzip']] as Array<[string, string]>) : [])],
      body: { kind: 'repeat', unit: transform === 'gzip' ? ' ' : 'x', times: transform === 'gzip' ? 8 * 1024 * 1024 : 1_100_000 },
      transform,
    })),
  },
  // Any method, a path from pieces (bad percent-encoding included), odd headers, maybe a body.
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...METHODS),
        fc.array(fc.constantFrom(...PATH_PIECES), { minLength: 1, maxLength: 5 }),
        fc.option(fc.constantFrom('?after=%zz', '?a[b]=1&a=2', '?__proto__[x]=1', '?' + 'q=1&'.repeat(500), '?x=%'), { nil: undefined }),
        fc.subarray(ODD_HEADERS, { maxLength: 4 }),
        fc.option(fc.tuple(fc.constantFrom('X-Random', 'X-Switchyard-User', 'Last-Event-ID', 'Content-Type', 'Accept'), headerValue), {
          nil: undefined,
        }),
        fc.option(fc.uint8Array({ maxLength: 256 }), { nil: undefined }),
      )
      .map(([method, pieces, query, odd, extra, bytes]): HttpCase => ({
        kind: 'http',
        class: 'garbage',
        family: `garbage:route:${method}`,
        method,
        path: `/${pieces.join('/')}${query ?? ''}`,
        headers: [
          ...asUser,
          ...odd.filter(
            ([n]) => n !== 'Host' && n !== 'Content-Length' && n !== 'Transfer-Encoding' && n !== 'Connection' && n !== 'Expect',
          ),
          ...(extra ? [extra] : []),
        ],
        ...(bytes && method !== 'GET' && method !== 'HEAD'
          ? { body: { kind: 'bytes' as const, base64: Buffer.from(bytes).toString('base64') } }
          : {}),
      })),
  },
  // Odd headers on valid requests.
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.oneof(
          validChatKit,
          runRouteCases.filter((c) => !c.live),
        ),
        fc.subarray(ODD_HEADERS, { minLength: 1, maxLength: 3 }),
      )
      .map(([c, odd]): HttpCase => ({
        ...c,
        class: 'garbage',
        family: `garbage:headers:${c.family}`,
        headers: [
          ...c.headers,
          ...odd.filter(([n]) => n !== 'Content-Length' && n !== 'Transfer-Encoding' && n !== 'Connection' && n !== 'Expect'),
        ],
      })),
  },
  // Framing only a raw connection can send.
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        'POST /chatkit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
        'POST /chatkit HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\u0000Header: 1\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n',
        'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
        'GET /healthz\r\n\r\n',
        'BREW /chatkit HTTP/1.1\r\nHost: x\r\n\r\n',
        'CONNECT /chatkit HTTP/1.1\r\nHost: x\r\nX-Switchyard-User: {{user}}\r\n\r\n',
        'CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n',
        'GET /chatkit/runs/{{run:own:0}}/events HTTP/1.1\r\nHost: x\r\nX-Switchyard-User: {{user}}\r\nLast-Event-ID: 1\r\nLast-Event-ID: 2\r\n\r\n',
        'GET /\u00ff\u00fe HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: ' + 'a'.repeat(20_000) + '\r\n\r\n',
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
        '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003',
        'GET /healthz HTTP/1.1\nHost: x\n\n',
        'POST /chatkit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Switchyard-User: {{user}}\r\nContent-Length: 35\r\n\r\n{"type":"threads.list","params":{}}',
        'POST /chatkit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Switchyard-User: {{user}}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"typ\r\n1e\r\ne":"threads.list","params":{}}\r\n0\r\n\r\n',
      )
      .chain((data) => fc.uint8Array({ maxLength: 64 }).map((junk) => ({ data, junk })))
      .map(({ data, junk }): RawCase => ({
        kind: 'raw',
        class: 'garbage',
        family: junk.length > 48 ? 'raw:bytes' : 'raw:framing',
        data: junk.length > 48 ? Buffer.from(junk).toString('latin1') : data,
      })),
  },
);

// ── everything ──────────────────────────────────────────────────────────────────────────────────

/** The whole mix: about a third valid ChatKit requests, a third one field wrong, the rest other routes and garbage. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 30, arbitrary: validChatKit },
  { weight: 30, arbitrary: nearValidChatKit },
  { weight: 5, arbitrary: encodingCases },
  { weight: 8, arbitrary: runRouteCases },
  { weight: 8, arbitrary: uploadCases },
  { weight: 5, arbitrary: fileCases },
  { weight: 3, arbitrary: pageAndOpsCases },
  { weight: 2, arbitrary: corsCases },
  { weight: 12, arbitrary: garbageCases },
);
