// THREAD_BUSY_POLICY=queue: a streaming request on a thread whose response is still running waits
// behind it instead of being refused, then streams its own answer; the two are never interleaved.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;
const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    deltaDelayMs: 20,
    textDeltas: 40,
    env: { THREAD_BUSY_POLICY: 'queue', THREAD_QUEUE_TIMEOUT_MS: '20000' },
  });
});
afterAll(async () => {
  await sys?.stop();
});

it('the second request queues behind the running response and then streams', async () => {
  const gw = sys.gateways[0]!.url;
  const first = await postChatKit(gw, { type: 'threads.create', params: { input: input('first') } });
  await first.waitForEvents(4);
  const threadId = ((first.events[0]!.data as Json).thread as Json).id as string;
  const second = await postChatKit(gw, { type: 'threads.add_user_message', params: { thread_id: threadId, input: input('second') } });
  expect(second.status).toBe(200);
  await first.done;
  await second.done;
  // The second user message was stored only after the first answer: no interleaving in the thread.
  const docs = await sys.db.collection('items').find({ thread_id: threadId }).sort({ created_at: 1 }).toArray();
  expect(docs.map((d) => d.type)).toEqual(['user_message', 'assistant_message', 'user_message', 'assistant_message']);
  expect(((second.events[second.events.length - 1]!.data as Json).item as Json).type).toBe('assistant_message');
});
