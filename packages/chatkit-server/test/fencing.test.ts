// One fence for everything an attempt writes (docs/architecture.md §6): an attempt that lost its run
// to another (a take-over after a stall, a drain hand-off) leaves no item and no event behind, and a
// failure between a done event and its save leaves no item the log does not show. Real Redis, the
// MongoDB test server, the runs queue; two attempts of one run are two processRun calls with their
// own fences, as two workers would make them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseArgs, ResponseEvent, SwitchyardApp } from '@switchyard/app-api';
import { createLogger } from '@switchyard/logging';
import { newId, type AssistantMessageItem, type ThreadItem } from '@switchyard/protocol';
import type { ChatStore } from '@switchyard/store';
import { endAbandonedRun, processRun, readRunPlan, type ProcessRunDeps, type RunPlan } from '../src/index.ts';
import { enqueueTestRun, reservationState, startHarness, type Harness, logger, noImages as images } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function message(args: ResponseArgs, text: string): AssistantMessageItem {
  return {
    id: args.newId('msg'),
    thread_id: args.thread.id,
    created_at: new Date().toISOString(),
    type: 'assistant_message',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

/** An app that answers one message; `beforeDone` runs before its done event (a place to stall). */
function answering(text: string, opts: { hidden?: boolean; beforeDone?: () => Promise<void> } = {}): SwitchyardApp {
  return {
    name: 'test',
    async *respond(args): AsyncGenerator<ResponseEvent> {
      if (opts.hidden) {
        const hidden: ThreadItem = {
          id: args.newId('shcx'),
          thread_id: args.thread.id,
          created_at: new Date().toISOString(),
          type: 'hidden_context_item',
          content: 'remember this',
        };
        yield { type: 'thread.item.done', item: hidden };
      }
      const item = message(args, '');
      yield { type: 'thread.item.added', item };
      yield {
        type: 'thread.item.updated',
        item_id: item.id,
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: text },
      };
      await opts.beforeDone?.();
      yield { type: 'thread.item.done', item: { ...item, content: [{ type: 'output_text', text, annotations: [] }] } };
    },
  };
}

function deps(app: SwitchyardApp, store: ChatStore = h.store): ProcessRunDeps {
  return { app, runLog: h.runLog, store, limits: h.limits, control: h.control, images, partialImages: 0, logger };
}

function gate(): { wait: Promise<void>; open: () => void; reached: Promise<void>; reach: () => void } {
  let open!: () => void;
  let reach!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  return { wait, open, reached, reach };
}

async function storedItems(owner: string, threadId: string): Promise<ThreadItem[]> {
  return (await h.store.loadThreadItems(owner, threadId, { limit: 100, order: 'asc' })).data;
}

async function events(runId: string): Promise<Array<{ type: string; item_id?: string; item?: { id: string; type: string } }>> {
  return (await h.runLog.read(runId, 0)).flatMap((e) => (e.kind === 'event' ? [JSON.parse(e.json)] : []));
}

async function start(owner: string): Promise<{ runId: string; threadId: string; plan: RunPlan }> {
  const { runId, threadId, data } = await enqueueTestRun(h, answering('x'), owner);
  return { runId, threadId, plan: await readRunPlan({ runLog: h.runLog, logger }, data) };
}

describe('a lost attempt writes nothing after the take-over', () => {
  it('an item saved after a take-over that came between its done event and its save is taken back', async () => {
    const owner = `f-${newId('msg').slice(4, 12)}`;
    const { runId, threadId, plan } = await start(owner);
    // Attempt A's save of its assistant message waits until attempt B has taken the run over and finished.
    const g = gate();
    const slowStore = new Proxy(h.store, {
      get(obj, prop, receiver) {
        if (prop === 'addItem')
          return async (...args: Parameters<ChatStore['addItem']>) => {
            if (args[2].type === 'assistant_message') {
              g.reach();
              await g.wait;
            }
            return obj.addItem(...args);
          };
        return Reflect.get(obj, prop, receiver) as unknown;
      },
    });
    const a = processRun(deps(answering('first try'), slowStore), plan, { attempt: 'attempt-A' });
    await g.reached;
    // A's done event is in the log; its save has not happened.
    const aItem = (await events(runId)).find((e) => e.type === 'thread.item.done' && e.item?.type === 'assistant_message')!.item!.id;
    expect(await processRun(deps(answering('second try')), plan, { attempt: 'attempt-B' })).toBe('completed');
    g.open();
    expect(await a).toBe('taken-over');

    const items = await storedItems(owner, threadId);
    const assistants = items.filter((i) => i.type === 'assistant_message');
    expect(assistants).toHaveLength(1);
    expect(assistants[0]!.id).not.toBe(aItem);
    expect((assistants[0] as AssistantMessageItem).content[0]!.text).toBe('second try');
    const log = await events(runId);
    // The client was told to forget A's item before B's answer.
    expect(log.findIndex((e) => e.type === 'thread.item.removed' && e.item_id === aItem)).toBeGreaterThan(
      log.findIndex((e) => e.type === 'thread.item.done' && e.item?.id === aItem),
    );
    expect(await reservationState(h, owner, threadId)).toEqual({ slots: 0, threadLock: null });
  });

  it('hidden items of a lost attempt are deleted by the take-over, and its later events are refused', async () => {
    const owner = `f-${newId('msg').slice(4, 12)}`;
    const { runId, threadId, plan } = await start(owner);
    const g = gate();
    const a = processRun(
      deps(
        answering('first try', {
          hidden: true,
          beforeDone: async () => {
            g.reach();
            await g.wait;
          },
        }),
      ),
      plan,
      { attempt: 'attempt-A' },
    );
    await g.reached;
    // Wait until A's hidden item is stored (its save runs through the sequencer).
    for (let i = 0; i < 200 && !(await storedItems(owner, threadId)).some((x) => x.type === 'hidden_context_item'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect((await storedItems(owner, threadId)).some((x) => x.type === 'hidden_context_item')).toBe(true);
    const logBefore = (await events(runId)).length;

    expect(await processRun(deps(answering('second try')), plan, { attempt: 'attempt-B' })).toBe('completed');
    const logAfterB = await events(runId);
    g.open();
    expect(await a).toBe('taken-over');

    const items = await storedItems(owner, threadId);
    expect(items.filter((i) => i.type === 'hidden_context_item')).toHaveLength(0);
    expect(items.filter((i) => i.type === 'assistant_message')).toHaveLength(1);
    // Nothing of A's landed after B ended the run.
    expect(await events(runId)).toEqual(logAfterB);
    expect(logAfterB.length).toBeGreaterThan(logBefore);
  });

  it("an item the app stored without an event (args.saveItem) is deleted by the take-over; the lost attempt's next save throws", async () => {
    const owner = `f-${newId('msg').slice(4, 12)}`;
    const { threadId, plan } = await start(owner);
    const g = gate();
    let secondSave: unknown = null;
    const workflowApp: SwitchyardApp = {
      name: 'test',
      // Streams nothing on purpose: the item must reach the store through saveItem alone.
      // eslint-disable-next-line require-yield
      async *respond(args): AsyncGenerator<ResponseEvent> {
        const open: ThreadItem = { ...message(args, 'open workflow'), id: args.newId('wf') };
        await args.saveItem(open);
        g.reach();
        await g.wait;
        secondSave = await args.saveItem({ ...open, id: args.newId('wf') }).catch((err: Error) => err.name);
      },
    };
    const a = processRun(deps(workflowApp), plan, { attempt: 'attempt-A' });
    await g.reached;
    expect((await storedItems(owner, threadId)).filter((i) => i.type === 'assistant_message')).toHaveLength(1);
    expect(await processRun(deps(answering('second try')), plan, { attempt: 'attempt-B' })).toBe('completed');
    g.open();
    await a;
    expect(secondSave).toBe('RunEndedError');
    const texts = (await storedItems(owner, threadId)).flatMap((i) => (i.type === 'assistant_message' ? [i.content[0]!.text] : []));
    expect(texts).toEqual(['second try']);
  });

  it('an attempt handed off (drain time over) stops writing; the next attempt regenerates and ends the run', async () => {
    const owner = `f-${newId('msg').slice(4, 12)}`;
    const { runId, threadId, plan } = await start(owner);
    const g = gate();
    const drain = new AbortController();
    const a = processRun(
      deps(
        answering('first try', {
          beforeDone: async () => {
            g.reach();
            await g.wait;
          },
        }),
      ),
      plan,
      { attempt: 'attempt-A', signal: drain.signal },
    );
    await g.reached;
    drain.abort('drain time over');
    expect(await a).toBe('handed-off');
    g.open();
    // Not ended, reservation still held for the next attempt.
    expect((await h.runLog.meta(runId))?.endedAt).toBeUndefined();
    expect((await reservationState(h, owner, threadId)).threadLock).toBe(runId);

    expect(await processRun(deps(answering('second try')), plan, { attempt: 'attempt-B' })).toBe('completed');
    const items = await storedItems(owner, threadId);
    expect(items.filter((i) => i.type === 'assistant_message').map((i) => (i as AssistantMessageItem).content[0]!.text)).toEqual([
      'second try',
    ]);
    expect((await events(runId)).filter((e) => e.type === 'thread.item.removed')).toHaveLength(1);
    expect(await reservationState(h, owner, threadId)).toEqual({ slots: 0, threadLock: null });
  });
});

describe('a job re-run after its attempt ended the run', () => {
  it('does not take the run over: the claim refuses an ended run, even one that ended after the check', async () => {
    const owner = `f-${newId('msg').slice(4, 12)}`;
    const { runId, threadId, plan } = await start(owner);
    expect(await processRun(deps(answering('the answer')), plan, { attempt: 'attempt-A' })).toBe('completed');
    const log = await events(runId);
    // B read the meta just before A appended its end (what a lock lost in a Redis outage allows).
    const staleRead = new Proxy(h.runLog, {
      get(obj, prop, receiver) {
        if (prop === 'meta')
          return async (id: string) => {
            const m = await obj.meta(id);
            if (m) delete m.endedAt;
            return m;
          };
        return Reflect.get(obj, prop, receiver) as unknown;
      },
    });
    const lines: string[] = [];
    const logsTo = createLogger('test', { level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    expect(await processRun({ ...deps(answering('again')), runLog: staleRead, logger: logsTo }, plan, { attempt: 'attempt-B' })).toBe(
      'already-ended',
    );
    // An attempt that logged its start logs how it stopped.
    const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toContain('run started');
    expect(msgs.at(-1)).toBe('run already ended by its previous attempt; stopping this attempt');
    expect(await events(runId)).toEqual(log);
    const texts = (await storedItems(owner, threadId)).flatMap((i) => (i.type === 'assistant_message' ? [i.content[0]!.text] : []));
    expect(texts).toEqual(['the answer']);
  });
});

describe('a take-over that dies while removing what the lost attempt showed', () => {
  it('leaves the item noted: the next attempt, or the ending of the abandoned run, deletes it', async () => {
    for (const next of ['attempt', 'abandoned'] as const) {
      const owner = `f-${newId('msg').slice(4, 12)}`;
      const { runId, threadId, plan } = await start(owner);
      expect(await processRun(deps(answering('first try')), plan, { attempt: 'attempt-A' })).toBe('completed');
      // Make the run look unfinished again, as if A had died after saving its answer: B takes it over.
      await h.redis.hdel(`{run:${runId}}:meta`, 'ended');
      const aItem = (await storedItems(owner, threadId)).find((i) => i.type === 'assistant_message')!.id;
      // B's delete never returns: it "dies" between telling the client and deleting.
      const stuck = new Proxy(h.store, {
        get(obj, prop, receiver) {
          if (prop === 'deleteThreadItem') return () => new Promise(() => undefined);
          return Reflect.get(obj, prop, receiver) as unknown;
        },
      });
      void processRun(deps(answering('second try'), stuck), plan, { attempt: 'attempt-B' });
      for (let i = 0; i < 200 && !(await events(runId)).some((e) => e.type === 'thread.item.removed' && e.item_id === aItem); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect((await storedItems(owner, threadId)).map((i) => i.id)).toContain(aItem);
      if (next === 'attempt') {
        expect(await processRun(deps(answering('third try')), plan, { attempt: 'attempt-C' })).toBe('completed');
      } else {
        expect(await endAbandonedRun({ runLog: h.runLog, limits: h.limits, store: h.store }, runId, 'job failed')).toBe('ended');
      }
      expect((await storedItems(owner, threadId)).map((i) => i.id)).not.toContain(aItem);
    }
  });
});

describe('a failure between a done event and its save', () => {
  it('leaves no stored item and tells the client to remove the item it saw finish', async () => {
    const owner = `f-${newId('msg').slice(4, 12)}`;
    const { runId, threadId, plan } = await start(owner);
    const failingStore = new Proxy(h.store, {
      get(obj, prop, receiver) {
        if (prop === 'addItem')
          return async (...args: Parameters<ChatStore['addItem']>) => {
            if (args[2].type === 'assistant_message') throw new Error('MongoDB went away');
            return obj.addItem(...args);
          };
        return Reflect.get(obj, prop, receiver) as unknown;
      },
    });
    expect(await processRun(deps(answering('lost'), failingStore), plan, { attempt: 'attempt-A' })).toBe('failed');
    const log = await events(runId);
    const done = log.find((e) => e.type === 'thread.item.done' && e.item?.type === 'assistant_message')!.item!.id;
    const tail = log.slice(-2);
    expect(tail[0]).toMatchObject({ type: 'thread.item.removed', item_id: done });
    expect(tail[1]).toMatchObject({ type: 'error' });
    expect((await storedItems(owner, threadId)).filter((i) => i.type === 'assistant_message')).toHaveLength(0);
    expect(await reservationState(h, owner, threadId)).toEqual({ slots: 0, threadLock: null });
  });
});
