// The model test server under the real `@openai/agents` runner, over HTTP and over the Responses
// WebSocket mode: text deltas, the image flow (partials, final image, one model call), socket reuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, imageGenerationTool } from '@openai/agents';
import type { RunStreamEvent } from '@openai/agents';
import { IMAGE_CAPTION, answerText, itemImage, startModelTestServer } from '../src/index.ts';
import type { ModelTestServer } from '../src/index.ts';
import { agentsRunner, expectNear, expectPng, installWebSocketGlobal, sha256 } from './helpers.ts';

const IMAGE_BYTES = 250_000;
let server: ModelTestServer;
let restoreWebSocket: () => void;

beforeAll(async () => {
  restoreWebSocket = installWebSocketGlobal();
  server = await startModelTestServer({ imageBytes: IMAGE_BYTES });
});
afterAll(async () => {
  await server.close();
  restoreWebSocket();
});

const chatAgent = new Agent({ name: 'chat', instructions: 'Answer briefly.', model: 'gpt-test' });
const artist = new Agent({
  name: 'artist',
  instructions: 'Draw what you are asked.',
  model: 'gpt-test',
  tools: [imageGenerationTool({ partialImages: 2 })],
});

describe.each([
  { transport: 'http' as const, websocket: false },
  { transport: 'websocket' as const, websocket: true },
])('@openai/agents over $transport', ({ transport, websocket }) => {
  it('streams a text answer as output_text_delta events', async () => {
    const { runner, provider } = agentsRunner(server, websocket);
    try {
      const before = server.requests.length;
      const result = await runner.run(chatAgent, 'tell me something', { stream: true });
      const deltas: string[] = [];
      for await (const event of result) {
        if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') deltas.push(event.data.delta);
      }
      await result.completed;
      expect(deltas).toHaveLength(12);
      expect(result.finalOutput).toBe(answerText('tell me something'));
      expect(result.rawResponses).toHaveLength(1);
      const recorded = server.requests.slice(before);
      expect(recorded.map((r) => [r.transport, r.path])).toEqual([[transport, '/v1/responses']]);
      expect(recorded[0]?.body).toMatchObject({ model: 'gpt-test', instructions: 'Answer briefly.', stream: true });
      if (websocket) expect(recorded[0]?.body).toMatchObject({ type: 'response.create' });
    } finally {
      await provider.close();
    }
  });

  it('streams "draw a cat": two partial images, then the final PNG, in exactly one model call', async () => {
    const { runner, provider } = agentsRunner(server, websocket);
    try {
      const requestsBefore = server.requests.length;
      const imagesBefore = server.sentImages.length;
      const result = await runner.run(artist, 'draw a cat', { stream: true });
      const events: RunStreamEvent[] = [];
      for await (const event of result) events.push(event);
      await result.completed;

      const partials = events.flatMap((event) =>
        event.type === 'raw_model_stream_event' && event.data.type === 'model' && isPartialImage(event.data.event)
          ? [event.data.event]
          : [],
      );
      expect(partials.map((p) => p.partial_image_index)).toEqual([0, 1]);

      // The final image arrives after response.completed as the hosted tool call's run item.
      const finals = events.flatMap((event) =>
        event.type === 'run_item_stream_event' &&
        event.name === 'tool_called' &&
        event.item.rawItem.type === 'hosted_tool_call' &&
        event.item.rawItem.name === 'image_generation_call' &&
        typeof event.item.rawItem.output === 'string'
          ? [{ id: event.item.rawItem.id, b64: event.item.rawItem.output }]
          : [],
      );
      expect(finals).toHaveLength(1);
      const final = finals[0];
      if (!final?.id) throw new Error('no final image with an item id');
      const png = expectPng(final.b64);
      expectNear(png.bytes.length, IMAGE_BYTES);

      const sent = server.sentImages.slice(imagesBefore);
      expect(sent.map((s) => [s.itemId, s.partialIndex])).toEqual([
        [final.id, 0],
        [final.id, 1],
        [final.id, null],
      ]);
      expect(sent[2]?.sha256).toBe(sha256(png.bytes));
      // Bytes are a pure function of the item id and prompt: anyone holding them can reproduce the image.
      expect(itemImage(final.id, null, 2, IMAGE_BYTES, 'draw a cat').sha256).toBe(sha256(png.bytes));
      partials.forEach((partial, i) => {
        const bytes = expectPng(partial.partial_image_b64).bytes;
        expect(sent[i]).toMatchObject({ sha256: sha256(bytes), bytes: bytes.length });
      });

      expect(result.finalOutput).toBe(IMAGE_CAPTION);
      expect(result.rawResponses).toHaveLength(1);
      const recorded = server.requests.slice(requestsBefore);
      expect(recorded).toHaveLength(1);
      expect(JSON.stringify(recorded[0]?.body.input)).toContain('draw a cat');
      expect(recorded[0]?.body.tools).toEqual([{ type: 'image_generation', partial_images: 2 }]);
    } finally {
      await provider.close();
    }
  });
});

describe('@openai/agents WebSocket mode connections', () => {
  it('reuses one socket for sequential runs of a provider, and concurrent providers get their own', async () => {
    const { runner, provider } = agentsRunner(server, true);
    const pool = [agentsRunner(server, true), agentsRunner(server, true), agentsRunner(server, true)];
    try {
      const before = server.requests.length;
      for (const question of ['first question', 'second question']) {
        const result = await runner.run(chatAgent, question);
        expect(result.finalOutput).toBe(answerText(question));
      }
      const sequential = server.requests.slice(before);
      expect(new Set(sequential.map((r) => r.connectionId)).size).toBe(1);

      const concurrentBefore = server.requests.length;
      const outputs = await Promise.all(
        pool.map(async ({ runner: pooled }, i) => {
          const result = await pooled.run(chatAgent, `concurrent ${i}`, { stream: true });
          for await (const _event of result) {
            // drain
          }
          await result.completed;
          return result.finalOutput;
        }),
      );
      expect(outputs).toEqual(pool.map((_, i) => answerText(`concurrent ${i}`)));
      const concurrent = server.requests.slice(concurrentBefore);
      expect(new Set(concurrent.map((r) => r.connectionId)).size).toBe(pool.length);
    } finally {
      await Promise.all([provider.close(), ...pool.map((p) => p.provider.close())]);
    }
  });
});

interface PartialImageEvent {
  type: 'response.image_generation_call.partial_image';
  partial_image_b64: string;
  partial_image_index: number;
  item_id: string;
}

/** The raw event is typed `unknown` by the Agents SDK (it passes the provider's event through). */
function isPartialImage(event: unknown): event is PartialImageEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    Reflect.get(event, 'type') === 'response.image_generation_call.partial_image' &&
    typeof Reflect.get(event, 'partial_image_b64') === 'string'
  );
}
