// Continuing a model response on take-over (docs/resume.md), at the pipeline: an app that yields a
// `switchyard.model_response` before its events gets, in the attempt that takes the run over, the
// resume point back and yields the same events again; the pipeline drops the ones already in the log
// (by the checkpoint each append stored) and sends the rest. One continuous answer: every delta once,
// no removal, one stored item. An app that cannot continue (ResumeUnavailable) regenerates.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ResumeUnavailable, type ResponseArgs, type ResponseEvent, type SwitchyardApp } from '@switchyard/app-api';
import { newId, type AssistantMessageItem } from '@switchyard/protocol';
import { processRun, readRunPlan, type ProcessRunDeps } from '../src/index.ts';
import { enqueueTestRun, logger, startHarness, type Harness, workerDeps } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const WORDS = Array.from({ length: 12 }, (_, i) => `w${i} `);

function message(args: ResponseArgs, id: string, text: string): AssistantMessageItem {
  return {
    id,
    thread_id: args.thread.id,
    created_at: new Date().toISOString(),
    type: 'assistant_message',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

/**
 * A deterministic "model response": the same events every time it is asked (as a background
 * response streamed again from its start), pausing at `hold(i)` before delta i.
 */
function scripted(opts: {
  hold?: (i: number) => Promise<void>;
  refuseResume?: boolean;
  seen?: Array<ResponseArgs['resume']>;
}): SwitchyardApp {
  return {
    name: 'scripted',
    async *respond(args): AsyncGenerator<ResponseEvent> {
      opts.seen?.push(args.resume);
      if (args.resume && opts.refuseResume) throw new ResumeUnavailable('the response is gone upstream');
      const id = args.resume || !opts.refuseResume ? 'msg_continued' : 'msg_regenerated';
      yield { type: 'switchyard.model_response', responseId: null, state: 'turn-1' };
      yield { type: 'switchyard.model_response', responseId: 'resp_1', state: 'turn-1' };
      yield { type: 'thread.item.added', item: message(args, id, '') };
      for (const [i, w] of WORDS.entries()) {
        await opts.hold?.(i);
        yield {
          type: 'thread.item.updated',
          item_id: id,
          update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: w },
        };
      }
      yield { type: 'thread.item.done', item: message(args, id, WORDS.join('')) };
    },
  };
}

function deps(app: SwitchyardApp, onTakeOver?: ProcessRunDeps['onTakeOver']): ProcessRunDeps {
  return workerDeps(h, app, onTakeOver ? { onTakeOver } : {});
}

type Ev = { type: string; item_id?: string; item?: { id: string; type: string }; update?: { type: string; delta?: string } };
async function logEvents(runId: string): Promise<Ev[]> {
  return (await h.runLog.read(runId, 0)).flatMap((e) => (e.kind === 'event' ? [JSON.parse(e.json) as Ev] : []));
}
const streamedText = (log: Ev[], id: string) =>
  log
    .filter((e) => e.type === 'thread.item.updated' && e.item_id === id && e.update?.type === 'assistant_message.content_part.text_delta')
    .map((e) => e.update!.delta)
    .join('');

async function start() {
  const owner = `r-${newId('msg').slice(4, 12)}`;
  const { runId, threadId, data } = await enqueueTestRun(h, scripted({}), owner);
  return { owner, runId, threadId, plan: await readRunPlan({ runLog: h.runLog, logger }, data) };
}

it('a stalled attempt taken over mid-answer: the next one continues it, every delta once, nothing removed', async () => {
  const { owner, runId, threadId, plan } = await start();
  // Attempt A stops for good before delta 7 (a frozen worker); its first deltas are in the log by then.
  let reached!: () => void;
  const atSeven = new Promise<void>((r) => (reached = r));
  const never = new Promise<void>(() => undefined);
  const a = processRun(deps(scripted({ hold: (i) => (i === 7 ? (reached(), never) : Promise.resolve()) })), plan, { attempt: 'attempt-A' });
  void a;
  await atSeven;
  for (let i = 0; i < 50 && !(await h.runLog.resumePoint(runId))?.delivered; i++) await new Promise((r) => setTimeout(r, 10));
  const before = await h.runLog.resumePoint(runId);
  expect(before).toMatchObject({ responseId: 'resp_1', state: expect.stringContaining('turn-1') });
  expect(before!.delivered).toBeGreaterThan(1);

  const paths: string[] = [];
  const seen: Array<ResponseArgs['resume']> = [];
  expect(
    await processRun(
      deps(scripted({ seen }), (p) => paths.push(p)),
      plan,
      { attempt: 'attempt-B' },
    ),
  ).toBe('completed');
  expect(paths).toEqual(['resumed']);
  expect(seen).toEqual([{ responseId: 'resp_1', state: 'turn-1' }]);
  const log = await logEvents(runId);
  expect(log.filter((e) => e.type === 'thread.item.removed')).toEqual([]);
  expect(log.filter((e) => e.type === 'thread.item.added').map((e) => e.item!.id)).toEqual(['msg_continued']);
  expect(streamedText(log, 'msg_continued')).toBe(WORDS.join(''));
  const items = (await h.store.loadThreadItems(owner, threadId, { limit: 10, order: 'asc' })).data;
  expect(items.map((i) => i.type)).toEqual(['user_message', 'assistant_message']);
});

it("an app that cannot continue the response regenerates: the lost attempt's item is removed first", async () => {
  const { owner, runId, threadId, plan } = await start();
  let reached!: () => void;
  const atFour = new Promise<void>((r) => (reached = r));
  const never = new Promise<void>(() => undefined);
  void processRun(deps(scripted({ hold: (i) => (i === 4 ? (reached(), never) : Promise.resolve()) })), plan, { attempt: 'attempt-A' });
  await atFour;
  for (let i = 0; i < 50 && !(await h.runLog.resumePoint(runId))?.delivered; i++) await new Promise((r) => setTimeout(r, 10));

  const paths: string[] = [];
  expect(
    await processRun(
      deps(scripted({ refuseResume: true }), (p) => paths.push(p)),
      plan,
      { attempt: 'attempt-B' },
    ),
  ).toBe('completed');
  expect(paths).toEqual(['regenerated']);
  const log = await logEvents(runId);
  const removedAt = log.findIndex((e) => e.type === 'thread.item.removed' && e.item_id === 'msg_continued');
  expect(removedAt).toBeGreaterThan(0);
  expect(log.findIndex((e) => e.type === 'thread.item.added' && e.item?.id === 'msg_regenerated')).toBeGreaterThan(removedAt);
  expect(streamedText(log, 'msg_regenerated')).toBe(WORDS.join(''));
  // The resume point of the regenerated attempt is its own now (the lost one's was forgotten first).
  const items = (await h.store.loadThreadItems(owner, threadId, { limit: 10, order: 'asc' })).data;
  expect(items.map((i) => i.id)).toEqual([items[0]!.id, 'msg_regenerated']);
});
