// The model test server over HTTP, driven by the real `openai` client: SSE and JSON answers, input
// shapes recorded verbatim, image flow sizes, and the control routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseInputItem, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { IMAGE_CAPTION, answerText, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { client, expectNear, expectPng, sha256 } from './helpers.ts';

let server: ModelTestServer;

beforeAll(async () => {
  server = await startModelTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('POST /v1/responses over HTTP with the openai client', () => {
  it('streams a text answer as SSE with ordered sequence numbers and a full completed response', async () => {
    const before = server.requests.length;
    const stream = await client(server).responses.create({ model: 'gpt-test', input: 'hello there', stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas).toHaveLength(12);
    expect(deltas.join('')).toBe(answerText('hello there'));

    const completed = events.at(-1);
    if (completed?.type !== 'response.completed') throw new Error('no response.completed');
    const [message] = completed.response.output;
    expect(message?.type).toBe('message');
    expect(message?.id).toMatch(/^msg_[0-9a-f]+$/);
    expect(completed.response.id).toMatch(/^resp_[0-9a-f]+$/);
    expect(completed.response.usage?.total_tokens).toBeGreaterThan(0);

    const recorded = server.requests.slice(before);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ id: completed.response.id, transport: 'http', path: '/v1/responses' });
    expect(recorded[0]?.body).toMatchObject({ model: 'gpt-test', input: 'hello there', stream: true });
  });

  it("satisfies the openai stream helper's accumulator (finalResponse, output_text)", async () => {
    const final = await client(server).responses.stream({ model: 'gpt-test', input: 'accumulate me' }).finalResponse();
    expect(final.output_text).toBe(answerText('accumulate me'));
    expect(final.status).toBe('completed');
  });

  it('answers non-streaming requests with the Response JSON', async () => {
    const response = await client(server).responses.create({ model: 'gpt-test', input: 'plain json please' });
    expect(response.object).toBe('response');
    expect(response.output_text).toBe(answerText('plain json please'));
    expect(response._request_id).toMatch(/^req_/);
  });

  it('accepts and records verbatim every input shape the SDKs send', async () => {
    const dataUrl = `data:image/png;base64,${Buffer.from('not really a png').toString('base64')}`;
    const input: ResponseInputItem[] = [
      { role: 'system', content: 'be terse' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'look at these' },
          { type: 'input_image', image_url: dataUrl, detail: 'auto' },
          { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'low' },
        ],
      },
      {
        type: 'message',
        role: 'assistant',
        id: 'msg_prev',
        status: 'completed',
        content: [{ type: 'output_text', text: 'earlier answer', annotations: [] }],
      },
      { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":1}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"ok":true}' },
      { role: 'user', content: [{ type: 'input_text', text: 'and now the latest question' }] },
    ];
    const before = server.requests.length;
    const response = await client(server).responses.create({ model: 'gpt-test', input, instructions: 'test' });
    expect(response.output_text).toBe(answerText('and now the latest question'));
    expect(response.instructions).toBe('test');
    expect(server.requests[before]?.body).toEqual({ model: 'gpt-test', input, instructions: 'test' });
  });

  it('renders the image flow with a real PNG near imageBytes when the image tool is offered', async () => {
    for (const imageBytes of [100_000, 3_000_000]) {
      const sized = await startModelTestServer({ imageBytes });
      try {
        const response = await client(sized).responses.create({
          model: 'gpt-test',
          input: 'Please DRAW a lighthouse',
          tools: [{ type: 'image_generation' }],
        });
        const [image, caption] = response.output;
        if (image?.type !== 'image_generation_call' || !image.result) throw new Error('no image item');
        expect(image.id).toMatch(/^ig_[0-9a-f]+$/);
        const png = expectPng(image.result);
        expectNear(png.bytes.length, imageBytes);
        expect(sized.sentImages).toEqual([{ itemId: image.id, partialIndex: null, sha256: sha256(png.bytes), bytes: png.bytes.length }]);
        expect(caption?.type).toBe('message');
        expect(response.output_text).toBe(IMAGE_CAPTION);
      } finally {
        await sized.close();
      }
    }
  });

  it('answers in text when asked to draw but no image tool is offered', async () => {
    const response = await client(server).responses.create({ model: 'gpt-test', input: 'draw a cat' });
    expect(response.output.map((item) => item.type)).toEqual(['message']);
    expect(response.output_text).toBe(answerText('draw a cat'));
  });

  it('exposes the request log and image log on the control routes', async () => {
    const requests: unknown = await (await fetch(`${origin(server)}/__control/requests`)).json();
    expect(Array.isArray(requests) && requests.length).toBe(server.requests.length);
    const images = await fetch(`${origin(server)}/__control/images`);
    expect(images.status).toBe(200);
    const bad = await fetch(`${origin(server)}/__control/faults`, { method: 'POST', body: '{"kind":"nope"}' });
    expect(bad.status).toBe(400);
  });
});

function origin(s: ModelTestServer): string {
  return new URL(s.baseURL).origin;
}
