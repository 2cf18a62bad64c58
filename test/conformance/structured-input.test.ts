// Conformance, section I of docs/conformance.md: structured input (1.6.4+), over real HTTP with the
// scripted conformance app. Every thread here starts with "[I1]": the responder asks two questions
// (`subject`: single choice Math/Science, `details`: freeform) and, continued with no input, answers
// with `msg_after_structured_input`.
import { describe, expect, it } from 'vitest';
import {
  ChatKitClient,
  kinds,
  snapshotStore,
  useConformanceSystem,
  storedItems,
  type ConformanceSystem,
  type Json,
} from '../kit/conformance.ts';

let sys: ConformanceSystem;
let ck: ChatKitClient;

useConformanceSystem((started) => {
  sys = started;
  ck = new ChatKitClient(sys.url);
});

async function asked() {
  const { threadId, events } = await ck.create('[I1] plan my week');
  expect(kinds(events).slice(3)).toEqual(['thread.item.done:structured_input']);
  const item = events[3]!.item as Json;
  expect(item.status).toBe('pending');
  return { threadId, item };
}

const submit = (threadId: string, itemId: string, input: Json) => ({
  type: 'threads.add_structured_input',
  params: { thread_id: threadId, item_id: itemId, input },
});
const answersOf = (item: Json) => Object.fromEntries((item.inputs as Json[]).map((q) => [q.id, q.answer]));

describe('I. structured input', () => {
  it('I1: answers (custom values allowed) replace the item, which is stored, and the response resumes', async () => {
    const { threadId, item } = await asked();
    const answer = await ck.stream(
      submit(threadId, item.id as string, {
        status: 'answered',
        answers: { subject: { values: ['Private class'] }, details: { values: ['Please include group work.'] } },
      }),
    );
    const replaced = answer.events.find((e) => e.type === 'thread.item.replaced')!.item as Json;
    expect(replaced).toMatchObject({ id: item.id, type: 'structured_input', status: 'answered' });
    expect(answersOf(replaced)).toEqual({
      subject: { values: ['Private class'], skipped: false },
      details: { values: ['Please include group work.'], skipped: false },
    });
    expect(replaced.inputs).toEqual((item.inputs as Json[]).map((q) => ({ ...q, answer: answersOf(replaced)[q.id as string] })));
    const done = answer.events[answer.events.length - 1]!;
    expect(done).toMatchObject({ type: 'thread.item.done', item: { id: 'msg_after_structured_input', type: 'assistant_message' } });
    expect((await ck.items(threadId)).find((i) => i.id === item.id)).toEqual(replaced);
    const calls = sys.hookLog().filter((h) => h.kind === 'respond' && h.data.thread_id === threadId);
    expect(calls.map((c) => c.data.input === null)).toEqual([false, true]);
  });

  it('I2: an omitted answer is recorded as skipped', async () => {
    const { threadId, item } = await asked();
    const answer = await ck.stream(submit(threadId, item.id as string, { answers: { subject: { values: ['Math'] } } }));
    const replaced = answer.events.find((e) => e.type === 'thread.item.replaced')!.item as Json;
    expect(replaced.status).toBe('answered');
    expect(answersOf(replaced)).toEqual({ subject: { values: ['Math'], skipped: false }, details: { values: [], skipped: true } });
  });

  it('I3: unknown answer ids are ignored; known answers applied', async () => {
    const { threadId, item } = await asked();
    const answer = await ck.stream(
      submit(threadId, item.id as string, { status: 'answered', answers: { subject: { values: ['Science'] }, bogus: { values: ['z'] } } }),
    );
    const replaced = answer.events.find((e) => e.type === 'thread.item.replaced')!.item as Json;
    expect(answersOf(replaced)).toEqual({ subject: { values: ['Science'], skipped: false }, details: { values: [], skipped: true } });
    expect(JSON.stringify(replaced)).not.toContain('bogus');
  });

  it('I4: a single-choice question keeps only the first submitted value', async () => {
    const { threadId, item } = await asked();
    const answer = await ck.stream(
      submit(threadId, item.id as string, {
        status: 'answered',
        answers: { subject: { values: ['Math', 'Science'] }, details: { values: ['x'] } },
      }),
    );
    const replaced = answer.events.find((e) => e.type === 'thread.item.replaced')!.item as Json;
    expect(replaced.status).toBe('answered');
    expect(answersOf(replaced).subject).toEqual({ values: ['Math'], skipped: false });
    expect((await storedItems(sys.db, threadId)).find((i) => i.id === item.id)).toEqual(replaced);
  });

  it('I5: the answer stream is stream_options, the replaced item, then the response', async () => {
    const { threadId, item } = await asked();
    const answer = await ck.stream(submit(threadId, item.id as string, { answers: { subject: { values: ['Math'] } } }));
    expect(kinds(answer.events)).toEqual(['stream_options', 'thread.item.replaced:structured_input', 'thread.item.done:assistant_message']);
  });

  it('I6: submitting to an item that is no longer pending is refused and changes nothing', async () => {
    const { threadId, item } = await asked();
    await ck.stream(submit(threadId, item.id as string, { answers: { subject: { values: ['Math'] } } }));
    const before = await snapshotStore(sys.db);
    // Reference: 200 stream aborted ("not pending"); Switchyard: 409 JSON before streaming (README "Errors before streaming").
    const res = await ck.refused(submit(threadId, item.id as string, { status: 'skipped' }));
    expect(res.status).toBe(409);
    expect(res.error.message).toMatch(/not pending/);
    expect(await snapshotStore(sys.db)).toBe(before);
    // The same for an item that is not a structured input at all (the user message).
    const user = (await ck.items(threadId))[0]!;
    const notSi = await ck.refused(submit(threadId, user.id as string, { status: 'skipped' }));
    expect(notSi.status).toBeGreaterThanOrEqual(400);
    expect(await snapshotStore(sys.db)).toBe(before);
  });

  it('I7: a skipped submission skips every question and the item', async () => {
    const { threadId, item } = await asked();
    const answer = await ck.stream(submit(threadId, item.id as string, { status: 'skipped', answers: { subject: { values: ['Math'] } } }));
    const replaced = answer.events.find((e) => e.type === 'thread.item.replaced')!.item as Json;
    expect(replaced.status).toBe('skipped');
    expect(answersOf(replaced)).toEqual({ subject: { values: [], skipped: true }, details: { values: [], skipped: true } });
  });
});
