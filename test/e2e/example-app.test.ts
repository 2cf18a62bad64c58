// The example app (the default of `npm start`) end to end: its agent draws through the ingest path,
// the model sees its function tools, and the thread gets a title streamed as thread.updated.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateStreamEvent } from '@switchyard/protocol/schema-validation';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    env: { SWITCHYARD_APP: fileURLToPath(new URL('../../examples/image-designer/src/app.ts', import.meta.url)) },
  });
});
afterAll(async () => {
  await sys?.stop();
});

it('draws, offers its tools to the model, and titles the thread after the first turn', async () => {
  const s = await postChatKit(sys.gateways[0]!.url, {
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text: 'draw a red fox' }], attachments: [], inference_options: {} } },
  });
  await s.done;
  const events = s.events.map((e) => e.data as Json);
  for (const e of events) validateStreamEvent(e);
  const types = events.map((e) => String(e.type));
  expect(types).toContain('thread.item.added');
  expect(events.some((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'generated_image')).toBe(true);
  const last = events[events.length - 1]!;
  expect(last.type).toBe('thread.updated');
  expect(typeof (last.thread as Json).title).toBe('string');
  expect(((last.thread as Json).title as string).length).toBeGreaterThan(0);

  const tools = (sys.model.requests[0]!.body.tools ?? []) as unknown as Json[];
  expect(tools.map((t) => t.name ?? t.type)).toEqual(
    expect.arrayContaining(['image_generation', 'show_palette', 'ask_style', 'get_brand_colors']),
  );
});
