// What a run reads of its thread before the app's first event (src/process-run/thread-reads.ts): a
// first attempt reads the thread and its newest items at once and answers the input item and the
// app's first history read from them; anything the attempt writes first makes the app read again;
// a run whose log is gone is refused by the claim, which writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseEvent, RespondArgs, SwitchyardApp } from '@switchyard/app-api';
import { newId, type AssistantMessageItem, type ThreadItem } from '@switchyard/protocol';
import { runKeys, RunLogMissingError } from '@switchyard/run-log';
import { processRun, readRunPlan } from '../src/index.ts';
import { enqueueTestRun, faultInjector, reservationState, startHarness, workerDeps, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const hidden = (args: RespondArgs, text: string): AssistantMessageItem => ({
  id: args.newId('msg'),
  thread_id: args.thread.id,
  created_at: new Date().toISOString(),
  type: 'assistant_message',
  content: [{ type: 'output_text', text, annotations: [] }],
});

/** An app that only reads: `body`, then no events. */
const reading = (body: (args: RespondArgs) => Promise<void>): SwitchyardApp['respond'] =>
  async function* (args) {
    await body(args);
    yield* [];
  };

/** Runs `respond` on a fresh threads.create run; returns the store calls the worker made, in order. */
async function run(respond: SwitchyardApp['respond']): Promise<{ calls: string[]; result: string }> {
  const app: SwitchyardApp = { name: 'reads', respond };
  const owner = `r-${newId('msg').slice(4)}`;
  const { data } = await enqueueTestRun(h, app, owner);
  const recorder = faultInjector(Number.POSITIVE_INFINITY);
  const deps = workerDeps(h, app, { store: recorder.wrap('store', h.store) });
  const result = await processRun(deps, await readRunPlan(deps, data));
  return { calls: recorder.calls.filter((c) => c.startsWith('store.load')), result };
}

describe('a run reads its thread before the app begins', () => {
  it('reads the thread and the newest items at once and answers the input and the first history read from them', async () => {
    let history: ThreadItem[] = [];
    let input: ThreadItem | null = null;
    const { calls, result } = await run(
      reading(async (args) => {
        input = args.input;
        history = await args.items.loadItems(400);
      }),
    );
    expect(result).toBe('completed');
    expect(calls).toEqual(['store.loadThread', 'store.loadThreadItems']);
    expect(input).toMatchObject({ type: 'user_message' });
    expect(history.map((i) => i.id)).toEqual([input!.id]);
    expect(history[0]).not.toBe(input); // the app's input is its own copy
  });

  it('a second read, or one larger than the prefetch, asks the store', async () => {
    const { calls } = await run(
      reading(async (args) => {
        await args.items.loadItems(10);
        await args.items.loadItems(10);
        await args.items.loadItems(1_000);
      }),
    );
    expect(calls).toEqual(['store.loadThread', 'store.loadThreadItems', 'store.loadThreadItems', 'store.loadThreadItems']);
  });

  it('an item the app saved or streamed before reading is in what it reads', async () => {
    let afterSave: string[] = [];
    let savedId = '';
    await run(
      reading(async (args) => {
        const item = hidden(args, 'noted');
        savedId = item.id;
        await args.saveItem(item);
        afterSave = (await args.items.loadItems()).map((i) => i.id);
      }),
    );
    expect(afterSave).toContain(savedId);

    let afterEvent: string[] = [];
    let shownId = '';
    await run(async function* (args): AsyncGenerator<ResponseEvent> {
      const item = hidden(args, 'shown');
      shownId = item.id;
      yield { type: 'thread.item.done', item };
      // The pipeline stores a done item after its entry is in the log: wait for it in the store, then read once.
      for (let i = 0; i < 100; i++) {
        const stored = await h.store.loadItem(args.context.owner, args.thread.id, item.id).catch(() => null);
        if (stored) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      afterEvent = (await args.items.loadItems()).map((x) => x.id);
    });
    expect(afterEvent).toContain(shownId);
  });

  it('a run whose log is gone is refused by the claim: its reservation is given back and no key is written', async () => {
    const app: SwitchyardApp = { name: 'reads', async *respond() {} };
    const owner = `r-${newId('msg').slice(4)}`;
    const { runId, threadId, data } = await enqueueTestRun(h, app, owner);
    const k = runKeys(runId);
    await h.runLog.redis.del(k.meta, k.log);
    const deps = workerDeps(h, app);
    await expect(processRun(deps, await readRunPlan(deps, data))).rejects.toBeInstanceOf(RunLogMissingError);
    expect(await h.runLog.redis.exists(k.meta)).toBe(0);
    expect(await reservationState(h, owner, threadId)).toEqual({ slots: 0, threadLock: null });
  });
});
