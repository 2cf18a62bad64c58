// Send-time stamps for benchmarks: every text delta starts with `[ts:<ms>]` on the machine's
// monotonic clock, the sent text keeps them, and `configure` / `POST /__control/settings` switch
// delta count, pacing and stamping between requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { parseStamps, stampClockMs, stampText, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { client } from './helpers.ts';

let server: ModelTestServer;

beforeAll(async () => {
  server = await startModelTestServer({ stamp: true, textDeltas: 5 });
});
afterAll(async () => {
  await server.close();
});

async function streamEvents(input: string): Promise<ResponseStreamEvent[]> {
  const stream = await client(server).responses.create({ model: 'gpt-test', input, stream: true });
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('send-time stamps', () => {
  it('formats and parses stamps, several in one coalesced text', () => {
    expect(stampText(1234.5)).toBe('[ts:1234.500000]');
    expect(parseStamps(`${stampText(1.25)}Hello ${stampText(2.5)}world`)).toEqual([1.25, 2.5]);
    expect(parseStamps('no stamps [ts:] here')).toEqual([]);
  });

  it('stamps every text delta with a send time between the request and its arrival', async () => {
    const before = stampClockMs();
    const events = await streamEvents('hello stamps');
    const after = stampClockMs();
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas).toHaveLength(5);
    const stamps = deltas.map((d) => parseStamps(d));
    for (const s of stamps) {
      expect(s).toHaveLength(1);
      expect(s[0]).toBeGreaterThanOrEqual(before);
      expect(s[0]).toBeLessThanOrEqual(after);
    }
    const done = events.find((e) => e.type === 'response.output_text.done');
    expect(done?.type === 'response.output_text.done' ? done.text : null).toBe(deltas.join(''));
    expect(deltas.join('').replace(/\[ts:[\d.]+\]/g, '')).toContain('You said: "hello stamps"');
  });

  it('switches delta count and stamping for later requests, in process and over HTTP', async () => {
    server.configure({ textDeltas: 2 });
    let deltas = (await streamEvents('two')).filter((e) => e.type === 'response.output_text.delta');
    expect(deltas).toHaveLength(2);

    const base = server.baseURL.replace(/\/v1$/, '');
    const res = await fetch(`${base}/__control/settings`, { method: 'POST', body: JSON.stringify({ stamp: false, textDeltas: 3 }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stamp: false, textDeltas: 3 });
    deltas = (await streamEvents('three')).filter((e) => e.type === 'response.output_text.delta');
    expect(deltas).toHaveLength(3);
    for (const d of deltas) expect(d.type === 'response.output_text.delta' && parseStamps(d.delta)).toEqual([]);

    const bad = await fetch(`${base}/__control/settings`, { method: 'POST', body: JSON.stringify({ textDeltas: 0 }) });
    expect(bad.status).toBe(400);
  });
});
