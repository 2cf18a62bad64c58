// A generation worker killed mid-run (SIGKILL): BullMQ's stall detection hands the job to another
// worker, which regenerates the answer. The client removes what it saw of the lost attempt and ends
// with one complete answer; MongoDB holds no duplicate.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    workers: 2,
    deltaDelayMs: 40,
    textDeltas: 50,
    // A lock long enough that a loaded machine's pauses do not hand the run over before the kill.
    env: { WORKER_LOCK_MS: '3000', WORKER_STALLED_INTERVAL_MS: '500' },
  });
});
afterAll(async () => {
  await sys?.stop();
});

it('the run is taken over after a SIGKILL and ends with exactly one complete answer', async () => {
  const s = await postChatKit(sys.gateways[0]!.url, {
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text: 'tell me a long story' }], attachments: [], inference_options: {} } },
  });
  const runId = s.headers.get('x-switchyard-run-id')!;
  await s.waitForEvents(10);
  const holders = sys.workers.filter((w) => w.output.some((l) => l.includes('"msg":"run started"') && l.includes(runId)));
  expect(holders).toHaveLength(1);
  const holder = holders[0]!;
  await holder.stop('SIGKILL');
  await s.done;

  const events = s.events.map((e) => e.data as Json);
  const ids = s.events.map((e) => Number(e.id));
  expect(ids).toEqual(ids.map((_, i) => i + 1));
  const added = events.filter((e) => e.type === 'thread.item.added').map((e) => (e.item as Json).id as string);
  expect(added).toHaveLength(2);
  const removed = events.filter((e) => e.type === 'thread.item.removed').map((e) => e.item_id);
  expect(removed).toEqual([added[0]]);
  const last = events[events.length - 1]!;
  expect(last).toMatchObject({ type: 'thread.item.done', item: { id: added[1], type: 'assistant_message' } });

  const threadId = (events[0]!.thread as Json).id as string;
  const docs = await sys.db.collection('items').find({ thread_id: threadId }).toArray();
  expect(docs.map((d) => d.type).sort()).toEqual(['assistant_message', 'user_message']);
  expect(docs.find((d) => d.type === 'assistant_message')!.item_id).toBe(added[1]);
});
