// previous_response_id chaining (issue 4): with CHAIN_RESPONSES the built-in app sends only the new
// user message and the previous response id; the id stays server-side (thread metadata is sent as {}).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postChatKit, postJson } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;
const input = (text: string) => ({ content: [{ type: 'input_text', text }], attachments: [], inference_options: {} });

beforeAll(async () => {
  sys = await startSystem({ transport: 'http', env: { CHAIN_RESPONSES: 'true' } });
});
afterAll(async () => {
  await sys?.stop();
});

it('the second turn sends previous_response_id and only the new message', async () => {
  const gw = sys.gateways[0]!.url;
  const first = await postChatKit(gw, { type: 'threads.create', params: { input: input('first question') } });
  await first.done;
  const threadId = ((first.events[0]!.data as Json).thread as Json).id as string;
  const firstRequest = sys.model.requests[sys.model.requests.length - 1]!;
  expect(firstRequest.body.previous_response_id ?? undefined).toBeUndefined();

  const second = await postChatKit(gw, {
    type: 'threads.add_user_message',
    params: { thread_id: threadId, input: input('second question') },
  });
  await second.done;
  const req = sys.model.requests[sys.model.requests.length - 1]!;
  expect(req.body.previous_response_id).toBe(firstRequest.id);
  const sent = JSON.stringify(req.body.input);
  expect(sent).toContain('second question');
  expect(sent).not.toContain('first question');

  const thread = await postJson(gw, { type: 'threads.get_by_id', params: { thread_id: threadId } });
  expect((thread.body as Json).metadata).toEqual({});
  const stored = await sys.db.collection('threads').findOne({ _id: threadId as never });
  expect(((stored!.thread as Json).metadata as Json).previous_response_id).toBe(req.id);
});
