// Processing a run gives back the reservation and ends the run on every failure path after it claimed
// the run: a failure is injected at every call the worker side makes on the store, the run log and the
// limits (one run per position). The plan comes off a real BullMQ queue and is validated there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseEvent, SwitchyardApp } from '@switchyard/app-api';
import { newId, type AssistantMessageItem } from '@switchyard/protocol';
import { endAbandonedRun, processRun, readRunPlan, type ProcessRunDeps } from '../src/index.ts';
import {
  enqueueTestRun,
  faultInjector,
  InjectedFault,
  reservationState,
  startHarness,
  type Harness,
  logger,
  noImages as images,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const app: SwitchyardApp = {
  name: 'test',
  async *respond(args): AsyncGenerator<ResponseEvent> {
    const item: AssistantMessageItem = {
      id: args.newId('msg'),
      thread_id: args.thread.id,
      created_at: new Date().toISOString(),
      type: 'assistant_message',
      content: [{ type: 'output_text', text: '', annotations: [] }],
    };
    yield { type: 'thread.item.added', item };
    for (const delta of ['one ', 'two ', 'three']) {
      yield {
        type: 'thread.item.updated',
        item_id: item.id,
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta },
      };
    }
    yield { type: 'thread.item.done', item: { ...item, content: [{ type: 'output_text', text: 'one two three', annotations: [] }] } };
    args.thread.title = 'Counting';
  },
};

const enqueueRun = (owner: string) => enqueueTestRun(h, app, owner);

describe('processRun gives back its reservation and ends the run on every failure path', () => {
  it('a failure at any call after the claim ends the run failed (or completed) and frees the thread and the slot', async () => {
    let claimIndex = 0;
    for (let failAt = 1; ; failAt++) {
      const owner = `w-${newId('msg').slice(4)}`;
      const { runId, threadId, data } = await enqueueRun(owner);
      const faults = faultInjector(failAt);
      const deps: ProcessRunDeps = {
        app,
        runLog: faults.wrap('runLog', h.runLog),
        store: faults.wrap('store', h.store),
        limits: faults.wrap('limits', h.limits),
        control: h.control,
        images,
        partialImages: 0,
        logger,
      };
      const plan = await readRunPlan(deps, data);
      let result: string | undefined;
      try {
        result = await processRun(deps, plan);
      } catch (err) {
        // Only an attempt that could not claim the run gives up without an ending: its job fails, and
        // the worker's failed-job handler ends the run (endAbandonedRun) and frees the reservation.
        expect(err).toBeInstanceOf(InjectedFault);
        expect(faults.calls.slice(-1)[0]).toBe('runLog.claim');
        claimIndex = Math.max(claimIndex, failAt);
        expect(await endAbandonedRun({ runLog: h.runLog, limits: h.limits }, runId, 'job failed')).toBe('ended');
        expect(await endAbandonedRun({ runLog: h.runLog, limits: h.limits }, runId, 'job failed')).toBe('already-ended');
        expect(await reservationState(h, owner, threadId)).toEqual({ slots: 0, threadLock: null });
        const tail = (await h.runLog.read(runId, 0)).slice(-2);
        expect(tail.map((e) => e.kind)).toEqual(['event', 'end']);
        expect(JSON.parse((tail[0] as { json: string }).json)).toMatchObject({ type: 'error', allow_retry: true });
        continue;
      }
      const failed = faults.calls[failAt - 1] ?? 'nothing';
      const meta = await h.runLog.meta(runId);
      expect(meta?.endedAt, `run left open after ${failed} failed`).toBeDefined();
      expect(await reservationState(h, owner, threadId), `reservation kept after ${failed} failed`).toEqual({ slots: 0, threadLock: null });
      const entries = await h.runLog.read(runId, 0);
      const end = entries.at(-1);
      expect(end?.kind).toBe('end');
      if (failAt > faults.calls.length) {
        // Nothing left to inject: the clean run.
        expect(result).toBe('completed');
        expect(failAt - 1).toBe(faults.calls.length);
        break;
      }
      expect(['failed', 'completed']).toContain(result);
      if (result === 'failed') {
        const events = entries.filter((e) => e.kind === 'event').map((e) => JSON.parse((e as { json: string }).json) as { type: string });
        expect(events.at(-1)?.type, `no error event after ${failed} failed`).toBe('error');
      }
    }
    // The claim is the worker's first call: it also finds the run's log (no separate read).
    expect(claimIndex).toBe(1);
  });

  it('a job whose data is not a RunPlan is refused, and the run it names is ended', async () => {
    const owner = 'w-invalid';
    const { runId, data } = await enqueueRun(owner);
    const bad = { ...(data as object), request: 'threads.custom_action' };
    await expect(readRunPlan({ runLog: h.runLog, logger }, bad)).rejects.toThrow(/not a valid RunPlan.*action/);
    expect((await h.runLog.meta(runId))?.endedAt).toBeDefined();
    await expect(readRunPlan({ runLog: h.runLog, logger }, { runId: 42 })).rejects.toThrow(/not a valid RunPlan/);
  });
});
