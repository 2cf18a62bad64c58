// The demo page's SSE parser as a specification: how frames, fields, comments and line endings are
// read, that any chunking of a stream gives the same events, and that it agrees with
// eventsource-parser (the parser of the end-to-end kit) and with the gateway's own frame encoder.
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseComment, encodeSseData } from '@switchyard/protocol';
import { createSseParser, type SseEvent } from '../browser/sse-parser.js';

/** Parses `chunks` in order; returns the events and the Last-Event-ID a reconnect would send. */
function parse(chunks: string[]): { events: SseEvent[]; lastEventId: string; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = createSseParser((e) => events.push(e), { onComment: (c) => comments.push(c) });
  for (const chunk of chunks) parser.feed(chunk);
  return { events, lastEventId: parser.lastEventId(), comments };
}

/** Cuts `text` at the given offsets (any positions, duplicates allowed: empty chunks are fed too). */
function cut(text: string, offsets: number[]): string[] {
  const points = [...offsets.map((o) => o % (text.length + 1))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks;
}

const noBreaks = (s: string) => !/[\r\n]/.test(s);
const lineText = fc.string({ unit: 'binary', maxLength: 20 }).filter(noBreaks);
/** Lines an event stream may hold, valid or not: fields, comments, blanks, odd spacing, NUL ids. */
const line = fc.oneof(
  fc.constantFrom(
    '',
    '',
    ': ping',
    ':',
    'data',
    'data:',
    'data:  two spaces',
    'id',
    'id:',
    'id: a\0b',
    'event',
    'event:',
    'retry: 10',
    'retry: x',
    'nonsense',
    'unknown: y',
  ),
  lineText.map((s) => `data: ${s}`),
  lineText.map((s) => `data:${s}`),
  fc.nat(999).map((n) => `id: ${n}`),
  fc.constantFrom('message', 'custom', 'a b').map((s) => `event: ${s}`),
  lineText.map((s) => `: ${s}`),
  lineText,
);
const lineEnding = fc.constantFrom('\n', '\r', '\r\n');
/** A whole stream; it ends with LF so that no line is left waiting for its terminator. */
const stream = fc.array(fc.tuple(line, lineEnding), { maxLength: 40 }).map((lines) => lines.map(([l, end]) => l + end).join('') + '\n');

describe('frames and fields', () => {
  it('an event is its data lines joined with LF, dispatched at the blank line', () => {
    expect(parse(['data: first\ndata: second\n\n']).events).toEqual([{ data: 'first\nsecond' }]);
  });

  it('one space after the colon is dropped, further spaces are data', () => {
    expect(parse(['data:a\n\ndata:  b\n\n']).events).toEqual([{ data: 'a' }, { data: ' b' }]);
  });

  it('id and event fields travel with their event', () => {
    expect(parse(['id: 7\nevent: x\ndata: {}\n\n']).events).toEqual([{ id: '7', event: 'x', data: '{}' }]);
  });

  it('comments (the gateway heartbeat `: ping`) are not events', () => {
    const r = parse([': ping\n\n', 'id: 1\ndata: a\n\n', ': ping\n\n']);
    expect(r.events).toEqual([{ id: '1', data: 'a' }]);
    expect(r.comments).toEqual(['ping', 'ping']);
  });

  it('Last-Event-ID is the last id seen, kept across events without one; ids holding NUL are ignored', () => {
    expect(parse(['id: 4\ndata: a\n\ndata: b\n\nid: 5\0\ndata: c\n\n']).lastEventId).toBe('4');
  });

  it('an id without data moves Last-Event-ID but dispatches nothing', () => {
    const r = parse(['id: 9\n\n']);
    expect(r.events).toEqual([]);
    expect(r.lastEventId).toBe('9');
  });

  it('an event cut off by the end of the stream is discarded, as is its id', () => {
    const r = parse(['id: 1\ndata: a\n\nid: 2\ndata: b\n']);
    expect(r.events).toEqual([{ id: '1', data: 'a' }]);
    expect(r.lastEventId).toBe('1');
  });

  it('CR, LF and CRLF all end lines, also when a CRLF is split between chunks', () => {
    expect(parse(['data: a\r', '\ndata: b\r\n\r', '\n', 'data: c\r\rdata: d\n\n']).events).toEqual([
      { data: 'a\nb' },
      { data: 'c' },
      { data: 'd' },
    ]);
  });

  it('a byte order mark opening the stream is skipped', () => {
    expect(parse(['\uFEFFdata: a\n\n']).events).toEqual([{ data: 'a' }]);
  });

  it('unknown fields and bad retry values are ignored; a valid retry is reported', () => {
    const retries: number[] = [];
    const events: SseEvent[] = [];
    const p = createSseParser((e) => events.push(e), { onRetry: (ms) => retries.push(ms) });
    p.feed('foo: bar\nretry: x\nretry: 250\ndata: ok\n\n');
    expect(events).toEqual([{ data: 'ok' }]);
    expect(retries).toEqual([250]);
  });
});

describe('properties', () => {
  it('any chunking of a stream yields the same events and Last-Event-ID as the whole stream', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (text, offsets) => {
        expect(parse(cut(text, offsets))).toEqual(parse([text]));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with eventsource-parser on arbitrary streams', () => {
    fc.assert(
      fc.property(stream, (text) => {
        const oracle: SseEvent[] = [];
        const p = createParser({
          onEvent: (e) =>
            oracle.push({
              data: e.data,
              ...(e.event !== undefined ? { event: e.event } : {}),
              ...(e.id !== undefined ? { id: e.id } : {}),
            }),
        });
        p.feed(text);
        expect(parse([text]).events).toEqual(oracle);
      }),
      { numRuns: 500 },
    );
  });

  it("reads back exactly what the gateway's encoder writes, heartbeats in between, however it is chunked", () => {
    const frame = fc.tuple(fc.json({ maxDepth: 2 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (frames, offsets) => {
        const text = frames.map(([json, ping], i) => (ping ? encodeSseComment('ping') : '') + encodeSseData(json, String(i + 1))).join('');
        const r = parse(cut(text, offsets));
        expect(r.events).toEqual(frames.map(([json], i) => ({ id: String(i + 1), data: json })));
        expect(r.lastEventId).toBe(String(frames.length));
      }),
      { numRuns: 300 },
    );
  });
});
