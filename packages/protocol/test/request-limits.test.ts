// The request boundary as a specification: every size, count and depth a request may have, what a
// request over one is told, and that a hostile body costs microseconds, not seconds.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadRequest } from '@switchyard/errors';
import {
  exceededJsonBound,
  MAX_ACTION_PAYLOAD_CHARS,
  MAX_ATTACHMENTS_PER_MESSAGE,
  MAX_CONTENT_PARTS,
  MAX_FEEDBACK_ITEM_IDS,
  MAX_ID_LENGTH,
  MAX_JSON_DEPTH,
  MAX_JSON_NODES,
  MAX_METADATA_CHARS,
  MAX_METADATA_DEPTH,
  MAX_MIME_TYPE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_STRUCTURED_ANSWERS,
  MAX_TEXT_LENGTH,
  parseChatKitRequest,
  parseJsonBody,
  scanJsonText,
} from '../src/index.ts';

type Json = Record<string, unknown>;

const input = (overrides: Json = {}) => ({
  content: [{ type: 'input_text', text: 'hi' }],
  attachments: [],
  inference_options: {},
  ...overrides,
});
const create = (overrides: Json = {}, extra: Json = {}) => ({ type: 'threads.create', params: { input: input(overrides) }, ...extra });

/** `[[[…[0]…]]]` with `levels` arrays. */
function nestedArrays(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** `{"a":{"a":…{}…}}` with `levels` objects. */
function nestedObjects(levels: number): Json {
  let value: Json = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** The BadRequest message for a parsed body, or for JSON text through parseJsonBody first. */
function refusal(body: unknown, asText = false): string {
  try {
    parseChatKitRequest(asText ? parseJsonBody(body as string) : body);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequest);
    return (err as Error).message;
  }
  throw new Error('expected a BadRequest');
}

function accepted(body: unknown): void {
  expect(() => parseChatKitRequest(body)).not.toThrow();
}

/** Median milliseconds of `fn` over `runs` runs (bounds below are loose: CI machines are shared). */
function medianMs(fn: () => void, runs = 21): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

describe('the body: depth and number of values, before JSON.parse and before zod', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  // body (1) → params (2) → result (3): `result` nested n levels makes the body n + 2 deep.
  const toolOutput = (result: unknown) => ({ type: 'threads.add_client_tool_output', params: { thread_id: 't', result } });

  it(`nests at most MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) levels, counted alike on the text and on the parsed value`, () => {
    accepted(toolOutput(nestedArrays(MAX_JSON_DEPTH - 2)));
    expect(() => parseJsonBody(JSON.stringify(toolOutput(nestedArrays(MAX_JSON_DEPTH - 2))))).not.toThrow();
    expect(refusal(toolOutput(nestedArrays(MAX_JSON_DEPTH - 1)))).toBe(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(refusal(JSON.stringify(toolOutput(nestedArrays(MAX_JSON_DEPTH - 1))), true)).toBe(
      `request body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  });

  it(`holds at most MAX_JSON_NODES (${MAX_JSON_NODES}) values`, () => {
    // The body, its type, params, thread_id and the array are five values; the rest are the array's entries.
    const ofSize = (n: number) => toolOutput(Array.from({ length: n - 5 }, () => 0));
    accepted(ofSize(MAX_JSON_NODES));
    expect(() => parseJsonBody(JSON.stringify(ofSize(MAX_JSON_NODES)))).not.toThrow();
    expect(refusal(ofSize(MAX_JSON_NODES + 1))).toBe(`request body has more than ${MAX_JSON_NODES} values`);
    expect(refusal(JSON.stringify(ofSize(MAX_JSON_NODES + 1)), true)).toBe(`request body has more than ${MAX_JSON_NODES} values`);
  });

  it('a 10,000-level input_tag data is refused on the text (before JSON.parse) and on the parsed value', () => {
    // Written out by hand: JSON.stringify itself recurses, and overflows on it.
    const text =
      '{"type":"threads.create","params":{"input":{"content":[{"type":"input_tag","id":"x","text":"x","data":' +
      '{"a":'.repeat(9_999) +
      '{}' +
      '}'.repeat(9_999) +
      '}],"attachments":[],"inference_options":{}}}}';
    const deep: unknown = JSON.parse(text);
    expect(refusal(text, true)).toBe(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(refusal(deep)).toBe(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    const bytes = Buffer.from(text);
    const parse = vi.spyOn(JSON, 'parse');
    // The cost is bounded by construction (the scan stops at MAX_JSON_DEPTH; JSON.parse never runs); the
    // time is printed, not asserted.
    const ms = medianMs(() => expect(() => parseJsonBody(bytes)).toThrow(BadRequest));
    expect(parse).not.toHaveBeenCalled();
    const parsedMs = medianMs(() => expect(() => parseChatKitRequest(deep)).toThrow(BadRequest));
    console.log(`10,000-level body refused in ${(ms * 1000).toFixed(0)} µs as text, ${(parsedMs * 1000).toFixed(0)} µs parsed`);
  });

  it('a 500 KB threads.create naming 100,000 attachment ids is refused after MAX_JSON_NODES values, before JSON.parse', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => String(i % 100));
    const text = JSON.stringify(create({ attachments: ids }));
    expect(text.length).toBeGreaterThan(480_000);
    const bytes = Buffer.from(text);
    expect(refusal(text, true)).toBe(`request body has more than ${MAX_JSON_NODES} values`);
    const parse = vi.spyOn(JSON, 'parse');
    const ms = medianMs(() => expect(() => parseJsonBody(bytes)).toThrow(BadRequest));
    console.log(`100,000-id body (${bytes.length} bytes) refused in ${(ms * 1000).toFixed(0)} µs`);
    // It stops after MAX_JSON_NODES values (~100 KB of the text): JSON.parse never sees it.
    expect(parse).not.toHaveBeenCalled();
  });

  it('a megabyte of opening brackets is refused after MAX_JSON_DEPTH bytes, before JSON.parse would spend 200 ms on it', () => {
    const bomb = Buffer.from('['.repeat(1_000_000));
    const parse = vi.spyOn(JSON, 'parse');
    expect(() => parseJsonBody(bomb)).toThrow(/nests deeper than 32 levels/);
    expect(parse).not.toHaveBeenCalled();
  });

  it('brackets, braces, quotes and commas inside strings are text, not structure', () => {
    const text = JSON.stringify({ type: 'threads.list', params: {}, metadata: { note: '[[[[{{{{"\\",,,,'.repeat(100) } });
    expect(scanJsonText(Buffer.from(text), { maxDepth: 3, maxNodes: 5 })).toBeNull();
    expect(parseChatKitRequest(parseJsonBody(text)).type).toBe('threads.list');
  });

  it('the text scan and the parsed walk agree on whether any JSON value is within bounds', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        (value, maxDepth, maxNodes) => {
          const text = JSON.stringify(value);
          const bounds = { maxDepth, maxNodes };
          // Both stop at the first excess they meet, and may meet different ones first.
          expect(scanJsonText(Buffer.from(text), bounds) === null).toBe(exceededJsonBound(JSON.parse(text), bounds) === null);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('measures JSON size as compact JSON, ignoring escapes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const size = JSON.stringify(value).length;
        const bounds = { maxDepth: 100, maxNodes: 100_000 };
        // Exact up to escapes and a closing comma per object.
        expect(exceededJsonBound(value, { ...bounds, maxChars: size * 2 + 10 })).toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(exceededJsonBound({ a: 'x'.repeat(100) }, { maxDepth: 2, maxNodes: 10, maxChars: 100 })).toBe(
      'is larger than 100 characters as JSON',
    );
  });
});

describe('strings: generous and finite, each named in the refusal', () => {
  it.each([
    ['a thread id', MAX_ID_LENGTH, (s: string) => ({ type: 'threads.get_by_id', params: { thread_id: s } }), 'params.thread_id'],
    ['a cursor', MAX_ID_LENGTH, (s: string) => ({ type: 'threads.list', params: { after: s } }), 'params.after'],
    ['an attachment id', MAX_ID_LENGTH, (s: string) => create({ attachments: [s] }), 'params.input.attachments[0]'],
    [
      'a mime type',
      MAX_MIME_TYPE_LENGTH,
      (s: string) => ({ type: 'input.transcribe', params: { audio_base64: 'AA==', mime_type: s } }),
      'params.mime_type',
    ],
    [
      'an attachment name',
      MAX_NAME_LENGTH,
      (s: string) => ({ type: 'attachments.create', params: { name: s, size: 1, mime_type: 'text/plain' } }),
      'params.name',
    ],
    ['a title', MAX_NAME_LENGTH, (s: string) => ({ type: 'threads.update', params: { thread_id: 't', title: s } }), 'params.title'],
    [
      'an action type',
      MAX_NAME_LENGTH,
      (s: string) => ({ type: 'threads.custom_action', params: { thread_id: 't', action: { type: s } } }),
      'params.action.type',
    ],
    [
      'message text',
      MAX_TEXT_LENGTH,
      (s: string) => create({ content: [{ type: 'input_text', text: s }] }),
      'params.input.content[0].text',
    ],
    ['quoted text', MAX_TEXT_LENGTH, (s: string) => create({ quoted_text: s }), 'params.input.quoted_text'],
  ])('%s: up to %i characters', (_name, max, body, path) => {
    accepted(body('x'.repeat(max)));
    expect(refusal(body('x'.repeat(max + 1)))).toBe(`${path}: must be at most ${max} characters, got ${max + 1}`);
  });

  it('a 100 KB mime_type on input.transcribe is a 400, not a 500', () => {
    expect(refusal({ type: 'input.transcribe', params: { audio_base64: 'AA==', mime_type: 'a'.repeat(100_000) } })).toMatch(
      /^params\.mime_type: must be at most 255 characters/,
    );
  });
});

describe('lists: capped where each entry costs a read or a write', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `id_${i}`);
  it.each([
    ['attachments per message', MAX_ATTACHMENTS_PER_MESSAGE, (n: number) => create({ attachments: many(n) }), 'params.input.attachments'],
    [
      'content parts per message',
      MAX_CONTENT_PARTS,
      (n: number) => create({ content: Array.from({ length: n }, () => ({ type: 'input_text', text: 'x' })) }),
      'params.input.content',
    ],
    [
      'item_ids of one feedback',
      MAX_FEEDBACK_ITEM_IDS,
      (n: number) => ({ type: 'items.feedback', params: { thread_id: 't', item_ids: many(n), kind: 'positive' } }),
      'params.item_ids',
    ],
  ])('%s: up to %i', (_name, max, body, path) => {
    accepted(body(max));
    expect(refusal(body(max + 1))).toBe(`${path}: must have at most ${max} entries, got ${max + 1}`);
  });

  it(`structured input: up to ${MAX_STRUCTURED_ANSWERS} answers`, () => {
    const answers = (n: number) => Object.fromEntries(many(n).map((id) => [id, { values: ['a'] }]));
    const body = (n: number) => ({
      type: 'threads.add_structured_input',
      params: { thread_id: 't', item_id: 'i', input: { answers: answers(n) } },
    });
    accepted(body(MAX_STRUCTURED_ANSWERS));
    expect(refusal(body(MAX_STRUCTURED_ANSWERS + 1))).toBe(`params.input.answers: must have at most ${MAX_STRUCTURED_ANSWERS} answers`);
  });
});

describe('free-form objects: metadata and tag data bounded by size and depth, action payloads by size', () => {
  const tag = (data: unknown) => create({ content: [{ type: 'input_tag', id: 'x', text: 'x', data }] });

  it(`request metadata: up to ${MAX_METADATA_CHARS} characters as JSON and ${MAX_METADATA_DEPTH} levels`, () => {
    accepted(create({}, { metadata: { note: 'x'.repeat(MAX_METADATA_CHARS - 20) } }));
    expect(refusal(create({}, { metadata: { note: 'x'.repeat(MAX_METADATA_CHARS) } }))).toBe(
      `metadata: is larger than ${MAX_METADATA_CHARS} characters as JSON`,
    );
    accepted(create({}, { metadata: nestedObjects(MAX_METADATA_DEPTH) }));
    expect(refusal(create({}, { metadata: nestedObjects(MAX_METADATA_DEPTH + 1) }))).toBe(
      `metadata: nests deeper than ${MAX_METADATA_DEPTH} levels`,
    );
  });

  it('an input_tag’s data: the same bounds', () => {
    accepted(tag(nestedObjects(MAX_METADATA_DEPTH)));
    expect(refusal(tag(nestedObjects(MAX_METADATA_DEPTH + 1)))).toBe(
      `params.input.content[0].data: nests deeper than ${MAX_METADATA_DEPTH} levels`,
    );
    expect(refusal(tag({ blob: 'x'.repeat(MAX_METADATA_CHARS) }))).toBe(
      `params.input.content[0].data: is larger than ${MAX_METADATA_CHARS} characters as JSON`,
    );
  });

  it(`a widget action's payload: up to ${MAX_ACTION_PAYLOAD_CHARS} characters as JSON`, () => {
    const action = (payload: unknown) => ({
      type: 'threads.sync_custom_action',
      params: { thread_id: 't', action: { type: 'a', payload } },
    });
    accepted(action({ colors: ['x'.repeat(MAX_ACTION_PAYLOAD_CHARS - 20)] }));
    expect(refusal(action({ colors: ['x'.repeat(MAX_ACTION_PAYLOAD_CHARS)] }))).toBe(
      `params.action.payload: is larger than ${MAX_ACTION_PAYLOAD_CHARS} characters as JSON`,
    );
  });
});

describe('refusals never echo the client at length', () => {
  it('a deep value in a field that fails validation is reported by its type, and the error carries no input', () => {
    let err: unknown;
    try {
      parseChatKitRequest({ type: 'threads.update', params: { thread_id: 't', title: nestedObjects(20) } });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('params.title: expected string, got object');
    expect((err as Error).cause).toBeUndefined();
  });

  it('long keys in a path are cut', () => {
    const key = 'k'.repeat(5_000);
    const message = refusal({
      type: 'threads.add_structured_input',
      params: { thread_id: 't', item_id: 'i', input: { answers: { [key]: { values: 3 } } } },
    });
    expect(message.length).toBeLessThan(200);
  });
});
