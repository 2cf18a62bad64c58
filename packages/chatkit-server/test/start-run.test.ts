// Starting a run releases whatever it took on every failure path: for each streaming request, a
// failure is injected at every call the start makes on the store, the run log, the queue and the
// limits (one run per position), and afterwards the owner holds no run slot, the thread no lock, and
// a run log that was opened is ended. Against real Redis, the MongoDB driver and BullMQ.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, parseChatKitRequest, type StreamingRequest, type ThreadItem, type ThreadMetadata } from '@switchyard/protocol';
import { startRun, type StartRunDeps } from '../src/index.ts';
import { faultInjector, InjectedFault, reservationState, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const app = {
  name: 'test',
  respond: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true as const, value: undefined }) }) }),
};
// Strictly increasing: items set up one after another sort in that order.
let lastMs = 0;
const at = () => new Date((lastMs = Math.max(Date.now(), lastMs + 1))).toISOString();
/** Runs that started for real: the only ones allowed to hold a thread lock. */
const startedRuns = new Set<string>();
async function strayThreadLocks(): Promise<string[]> {
  const keys = await h.redis.keys('{thread:*}:active-run');
  const holders = keys.length ? await h.redis.mget(...keys) : [];
  return holders.filter((v): v is string => v !== null && !startedRuns.has(v));
}
const input = (text: string, attachments: string[] = []) => ({
  content: [{ type: 'input_text', text }],
  attachments,
  inference_options: {},
});

/** A stored file attachment not yet used by a message. */
async function newAttachment(owner: string): Promise<string> {
  const id = newId('atc');
  await h.store.saveAttachment(owner, { id, type: 'file', name: 'notes.txt', mime_type: 'text/plain' });
  return id;
}

/** Every document the store holds for the owner, in a stable order. */
async function storeOf(owner: string): Promise<unknown[]> {
  const byId = { _id: 1 } as const;
  return [
    await h.store.threads.find({ owner }).sort(byId).toArray(),
    await h.store.items.find({ owner }).sort(byId).toArray(),
    await h.store.attachments.find({ owner }).sort(byId).toArray(),
  ];
}

async function newThreadWith(owner: string, items: (threadId: string) => ThreadItem[]): Promise<ThreadMetadata> {
  const thread: ThreadMetadata = { id: newId('thr'), created_at: at(), status: { type: 'active' }, metadata: {} };
  await h.store.saveThread(owner, thread);
  for (const item of items(thread.id)) await h.store.addItem(owner, thread.id, item);
  return thread;
}

const userMessage = (threadId: string): ThreadItem => ({
  id: newId('msg'),
  thread_id: threadId,
  created_at: at(),
  type: 'user_message',
  content: [{ type: 'input_text', text: 'hi' }],
  attachments: [],
  inference_options: {},
});
const assistantMessage = (threadId: string): ThreadItem => ({
  id: newId('msg'),
  thread_id: threadId,
  created_at: at(),
  type: 'assistant_message',
  content: [{ type: 'output_text', text: 'hello', annotations: [] }],
});

interface Scenario {
  name: string;
  /** Sets up a fresh thread (when the request needs one) and returns the request. */
  request(owner: string): Promise<{ req: StreamingRequest; threadId?: string }>;
  /** The request ends in an empty stream or a gateway-only run: nothing stays reserved. */
  keepsNothing?: boolean;
}

const scenarios: Scenario[] = [
  {
    name: 'threads.create (with an attachment)',
    request: async (owner) => ({
      req: parseChatKitRequest({
        type: 'threads.create',
        params: { input: input('hello', [await newAttachment(owner)]) },
      }) as StreamingRequest,
    }),
  },
  {
    name: 'threads.add_user_message (with an attachment)',
    async request(owner) {
      const t = await newThreadWith(owner, (id) => [userMessage(id), assistantMessage(id)]);
      const attachment = await newAttachment(owner);
      return {
        threadId: t.id,
        req: parseChatKitRequest({
          type: 'threads.add_user_message',
          params: { thread_id: t.id, input: input('again', [attachment]) },
        }) as StreamingRequest,
      };
    },
  },
  {
    name: 'threads.add_client_tool_output',
    async request(owner) {
      const t = await newThreadWith(owner, (id) => [
        userMessage(id),
        {
          id: newId('msg'),
          thread_id: id,
          created_at: at(),
          type: 'client_tool_call',
          status: 'pending',
          call_id: 'call_1',
          name: 'get_colors',
          arguments: {},
        },
      ]);
      return {
        threadId: t.id,
        req: parseChatKitRequest({
          type: 'threads.add_client_tool_output',
          params: { thread_id: t.id, result: { colors: ['red'] } },
        }) as StreamingRequest,
      };
    },
  },
  {
    name: 'threads.add_structured_input',
    async request(owner) {
      const itemId = newId('msg');
      const t = await newThreadWith(owner, (id) => [
        userMessage(id),
        {
          id: itemId,
          thread_id: id,
          created_at: at(),
          type: 'structured_input',
          status: 'pending',
          inputs: [{ id: 'q1', question: 'Which?', type: 'freeform' }],
        },
      ]);
      return {
        threadId: t.id,
        req: parseChatKitRequest({
          type: 'threads.add_structured_input',
          params: { thread_id: t.id, item_id: itemId, input: { answers: { q1: { values: ['this'] } } } },
        }) as StreamingRequest,
      };
    },
  },
  {
    name: 'threads.retry_after_item',
    async request(owner) {
      const user = userMessage('');
      const t = await newThreadWith(owner, (id) => [{ ...user, thread_id: id }, assistantMessage(id)]);
      return {
        threadId: t.id,
        req: parseChatKitRequest({ type: 'threads.retry_after_item', params: { thread_id: t.id, item_id: user.id } }) as StreamingRequest,
      };
    },
  },
  {
    name: 'threads.custom_action',
    async request(owner) {
      const widgetId = newId('msg');
      const t = await newThreadWith(owner, (id) => [
        { id: widgetId, thread_id: id, created_at: at(), type: 'widget', widget: { type: 'Card', children: [] } as never },
      ]);
      return {
        threadId: t.id,
        req: parseChatKitRequest({
          type: 'threads.custom_action',
          params: { thread_id: t.id, item_id: widgetId, action: { type: 'go' } },
        }) as StreamingRequest,
      };
    },
  },
  {
    name: 'threads.custom_action from a non-widget (answered without a worker)',
    keepsNothing: true,
    async request(owner) {
      const t = await newThreadWith(owner, (id) => [userMessage(id)]);
      const sender = (await h.store.loadThreadItems(owner, t.id, { limit: 1, order: 'desc' })).data[0]!;
      return {
        threadId: t.id,
        req: parseChatKitRequest({
          type: 'threads.custom_action',
          params: { thread_id: t.id, item_id: sender.id, action: { type: 'go' } },
        }) as StreamingRequest,
      };
    },
  },
];

describe('startRun gives back its reservation on every failure path', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    let failures = 0;
    for (let failAt = 1; ; failAt++) {
      const owner = `u-${newId('msg').slice(4)}`;
      const { req, threadId: knownThread } = await scenario.request(owner);
      const stored = await storeOf(owner);
      const faults = faultInjector(failAt);
      let createdRun: string | undefined;
      const runLog = faults.wrap('runLog', h.runLog);
      const deps: StartRunDeps = {
        store: faults.wrap('store', h.store),
        runLog: new Proxy(runLog, {
          get(obj, prop, receiver) {
            const v = Reflect.get(obj, prop, receiver) as unknown;
            if (prop !== 'createRun' || typeof v !== 'function') return v;
            return async (runId: string, ...rest: unknown[]) => {
              await (v as (...a: unknown[]) => Promise<void>)(runId, ...rest);
              createdRun = runId;
            };
          },
        }),
        runsQueue: faults.wrap('runsQueue', h.runsQueue),
        limits: faults.wrap('limits', h.limits),
        app,
        attachments: h.attachments,
      };
      let started: Awaited<ReturnType<typeof startRun>> | undefined;
      try {
        started = await startRun(deps, owner, req);
      } catch (err) {
        expect(err).toBeInstanceOf(InjectedFault);
        failures++;
        const failed = faults.calls[failAt - 1];
        expect((await reservationState(h, owner, knownThread ?? 'none')).slots, `a run slot is still held after ${failed} failed`).toBe(0);
        expect(await strayThreadLocks(), `a thread lock is still held after ${failed} failed`).toEqual([]);
        if (createdRun)
          expect((await h.runLog.meta(createdRun))?.endedAt, `run log left open after ${faults.calls.at(-1)} failed`).toBeDefined();
        expect(await storeOf(owner), `the store changed although ${failed} failed`).toEqual(stored);
        continue;
      }
      // No failure left to inject: the start went through; the reservation is the worker's now.
      expect(failAt - 1).toBe(faults.calls.length);
      const state = await reservationState(h, owner, started.threadId);
      if (scenario.keepsNothing || started.runId === null) {
        expect(state).toEqual({ slots: 0, threadLock: null });
      } else {
        expect(state).toEqual({ slots: 1, threadLock: started.runId });
        startedRuns.add(started.runId);
        const job = await h.runsQueue.getJob(started.runId);
        expect(job?.data).toMatchObject({ runId: started.runId, owner, threadId: started.threadId, request: req.type });
      }
      break;
    }
    // Every call the start makes was a failure point at least once.
    expect(failures).toBeGreaterThanOrEqual(4);
  });

  it('a slot refused (429) gives the thread lock back before the error reaches the client', async () => {
    const owner = 'u-busy';
    const t1 = await newThreadWith(owner, (id) => [userMessage(id)]);
    const t2 = await newThreadWith(owner, (id) => [userMessage(id)]);
    const t3 = await newThreadWith(owner, (id) => [userMessage(id)]);
    const deps: StartRunDeps = {
      store: h.store,
      runLog: h.runLog,
      runsQueue: h.runsQueue,
      limits: h.limits,
      app,
      attachments: h.attachments,
    };
    const add = (threadId: string) =>
      startRun(
        deps,
        owner,
        parseChatKitRequest({ type: 'threads.add_user_message', params: { thread_id: threadId, input: input('x') } }) as StreamingRequest,
      );
    for (const t of [t1, t2]) {
      const r = await add(t.id);
      if (r.runId) startedRuns.add(r.runId);
    }
    await expect(add(t3.id)).rejects.toMatchObject({ status: 429 });
    expect(await reservationState(h, owner, t3.id)).toEqual({ slots: 2, threadLock: null });
  });

  it('a request that fails validation reserves and writes nothing that outlives it', async () => {
    const owner = 'u-invalid';
    const t = await newThreadWith(owner, (id) => [userMessage(id)]);
    const before = (await h.store.loadThreadItems(owner, t.id, { limit: 50, order: 'asc' })).data;
    const deps: StartRunDeps = {
      store: h.store,
      runLog: h.runLog,
      runsQueue: h.runsQueue,
      limits: h.limits,
      app,
      attachments: h.attachments,
    };
    // No pending client tool call: 409, nothing changed.
    await expect(
      startRun(
        deps,
        owner,
        parseChatKitRequest({ type: 'threads.add_client_tool_output', params: { thread_id: t.id, result: null } }) as StreamingRequest,
      ),
    ).rejects.toMatchObject({ status: 409 });
    // An unknown attachment on a new thread: 404, no thread.
    await expect(
      startRun(
        deps,
        owner,
        parseChatKitRequest({
          type: 'threads.create',
          params: { input: { ...input('x'), attachments: ['atc_0000000000000000'] } },
        }) as StreamingRequest,
      ),
    ).rejects.toMatchObject({ status: 404 });
    expect((await h.store.loadThreads(owner, { limit: 10, order: 'desc', after: null })).data.map((x) => x.id)).toEqual([t.id]);
    expect((await h.store.loadThreadItems(owner, t.id, { limit: 50, order: 'asc' })).data).toEqual(before);
    expect(await reservationState(h, owner, t.id)).toEqual({ slots: 0, threadLock: null });
  });
});
