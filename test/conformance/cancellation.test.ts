// Conformance, section M of docs/conformance.md: a client that disconnects mid-stream cancels the turn
// (the conformance system runs with DISCONNECT_POLICY=cancel, the reference's behaviour). What the
// reference persists afterwards (docs/protocol.md §6.9): pending assistant text the user saw, and a
// hidden note for the model.
import { describe, expect, it } from 'vitest';
import {
  ChatKitClient,
  eventually,
  useConformanceSystem,
  storedItems,
  userInput,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';

const CANCELLED_NOTE = 'The user cancelled the stream. Stop responding to the prior request.';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

/** Opens `threads.create` for `scenario`, waits for `n` events, disconnects, and waits for the cleanup to be stored. */
async function cancelAfter(scenario: string, n: number): Promise<{ events: Json[]; items: Json[] }> {
  const s = await ck.open({ type: 'threads.create', params: { input: userInput(`[${scenario}] go`) } });
  await s.waitForEvents(n);
  const threadId = (s.events[0]!.thread as Json).id as string;
  s.abort();
  await s.done;
  const items = await eventually(
    async () => {
      const stored = await storedItems(sys.db, threadId);
      return stored.some((i) => i.type === 'sdk_hidden_context') ? stored : undefined;
    },
    15_000,
    'the cancellation note',
  );
  return { events: [...s.events], items };
}

describe('M. cancellation', () => {
  it('M1: a client that disconnects mid-answer leaves the partial text and the hidden note', async () => {
    const { events, items } = await cancelAfter('M1', 5);
    expect(events.map((e) => e.type)).toEqual([
      'thread.created',
      'thread.item.done',
      'stream_options',
      'thread.item.added',
      'thread.item.updated',
    ]);
    expect(items.map((i) => i.type)).toEqual(['user_message', 'assistant_message', 'sdk_hidden_context']);
    expect(items[1]!.content).toEqual([{ annotations: [], text: 'Hello, World!', type: 'output_text' }]);
    expect(items[1]!.id).toBe((events[3]!.item as Json).id);
    expect(items[2]).toMatchObject({ type: 'sdk_hidden_context', content: CANCELLED_NOTE, id: expect.stringMatching(/^shcx_/) });
    // The note is for the model: never listed.
    const threadId = items[0]!.thread_id as string;
    expect((await ck.items(threadId)).map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
  });

  it('M2: an empty pending assistant message is not stored; the hidden note is', async () => {
    const { items } = await cancelAfter('M2', 4);
    expect(items.map((i) => i.type)).toEqual(['user_message', 'sdk_hidden_context']);
    expect(items[1]!.content).toBe(CANCELLED_NOTE);
  });

  it('M3: with a pending assistant message and a pending workflow, only the message text and the note are stored', async () => {
    const { events, items } = await cancelAfter('M3', 6);
    expect(events.map((e) => [e.type, (e.item as Json | undefined)?.type ?? null]).slice(3)).toEqual([
      ['thread.item.added', 'assistant_message'],
      ['thread.item.updated', null],
      ['thread.item.added', 'workflow'],
    ]);
    expect(items.map((i) => i.type)).toEqual(['user_message', 'assistant_message', 'sdk_hidden_context']);
    expect(((items[1]!.content as Json[])[0] as Json).text).toBe('Hello, World!');
  });
});
