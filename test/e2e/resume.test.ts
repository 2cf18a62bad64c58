// MODEL_BACKGROUND (docs/resume.md): a generation worker killed mid-answer, or told to stop
// (SIGTERM), leaves a background model response upstream and a resume point in the run log; the
// worker that takes the run over continues that response. The client sees one continuous answer:
// no `thread.item.removed`, no duplicate or missing text, the same item ids, and MongoDB holds each
// item once. A resume point that cannot be used (the response is gone upstream) falls back to
// regenerating, visibly.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { answerText } from '@switchyard/model-test-server';
import { postChatKit, type SseStream } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    workers: 2,
    deltaDelayMs: 40,
    textDeltas: 60,
    metrics: true,
    env: { MODEL_BACKGROUND: 'true', WORKER_LOCK_MS: '3000', WORKER_STALLED_INTERVAL_MS: '500' },
  });
});
afterAll(async () => {
  await sys?.stop();
});

function start(text: string): Promise<SseStream> {
  return postChatKit(sys.gateways[0]!.url, {
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} } },
  });
}

/** The worker that logged the run's start most recently. */
function holderOf(runId: string) {
  const holders = sys.workers.filter((w) => w.output.some((l) => l.includes('"msg":"run started"') && l.includes(runId)));
  expect(holders.length).toBeGreaterThan(0);
  return holders[holders.length - 1]!;
}

function textOf(events: Json[], itemId: string): string {
  return events
    .filter((e) => e.type === 'thread.item.updated' && e.item_id === itemId)
    .map((e) => e.update as Json)
    .filter((u) => u.type === 'assistant_message.content_part.text_delta')
    .map((u) => u.delta as string)
    .join('');
}

async function takeOverLines(): Promise<string[]> {
  return sys.workers.flatMap((w) => w.output.filter((l) => l.includes('took over a run')));
}

async function metricTotal(path: string): Promise<number> {
  let total = 0;
  for (const [label, url] of Object.entries(sys.metricsUrls)) {
    if (!label.startsWith('generation-worker')) continue;
    const text = await fetch(url)
      .then((r) => r.text())
      .catch(() => '');
    const m = new RegExp(`switchyard_run_takeovers_total\\{[^}]*path="${path}"[^}]*\\} (\\d+)`).exec(text);
    total += m ? Number(m[1]) : 0;
  }
  return total;
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Stops the worker holding the run with `signal` (then `meanwhile`), waits for the client's stream
 * to end and starts the worker again; returns how long the worker took to stop.
 */
async function stopHolder(s: SseStream, runId: string, signal: NodeJS.Signals, meanwhile?: () => Promise<void>): Promise<number> {
  const holder = holderOf(runId);
  const stoppedAt = Date.now();
  await holder.stop(signal);
  const stopMs = Date.now() - stoppedAt;
  await meanwhile?.();
  await s.done;
  await sys.restartProcess(holder.name);
  return stopMs;
}

it('a worker killed mid-text: the next worker continues the response; the client sees one answer, nothing removed', async () => {
  const question = 'tell me a long story about resuming';
  const s = await start(question);
  const runId = s.headers.get('x-switchyard-run-id')!;
  await s.waitForEvents(15);
  await stopHolder(s, runId, 'SIGKILL');

  const events = s.events.map((e) => e.data as Json);
  const ids = s.events.map((e) => Number(e.id));
  expect(ids).toEqual(ids.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'thread.item.removed')).toEqual([]);
  const added = events.filter((e) => e.type === 'thread.item.added').map((e) => e.item as Json);
  expect(added.map((i) => i.type)).toEqual(['assistant_message']);
  const done = events.filter((e) => e.type === 'thread.item.done' && (e.item as Json).type !== 'user_message').map((e) => e.item as Json);
  expect(done.map((i) => i.id)).toEqual([added[0]!.id]);
  const finalText = ((done[0]!.content as Json[])[0]!.text as string) ?? '';
  expect(finalText).toBe(answerText(question));
  // Every delta exactly once: the streamed text is the final text.
  expect(textOf(events, added[0]!.id as string)).toBe(finalText);
  expect(events.at(-1)).toMatchObject({ type: 'thread.item.done' });

  const threadId = (events[0]!.thread as Json).id as string;
  const docs = await sys.db.collection('items').find({ thread_id: threadId }).toArray();
  expect(docs.map((d) => d.type).sort()).toEqual(['assistant_message', 'user_message']);
  expect((await takeOverLines()).some((l) => l.includes('continuing its model response') && l.includes(runId))).toBe(true);
  expect(await metricTotal('resumed')).toBeGreaterThanOrEqual(1);
});

it('a worker killed mid-image: the image generation continues to its final image under the same item id', async () => {
  const s = await start('draw a lighthouse for the resume test');
  const runId = s.headers.get('x-switchyard-run-id')!;
  await until(() =>
    s.events.some(
      (e) => (e.data as Json).type === 'thread.item.updated' && ((e.data as Json).update as Json).type === 'generated_image.updated',
    ),
  );
  await stopHolder(s, runId, 'SIGKILL');

  const events = s.events.map((e) => e.data as Json);
  expect(events.filter((e) => e.type === 'thread.item.removed')).toEqual([]);
  const added = events.filter((e) => e.type === 'thread.item.added').map((e) => e.item as Json);
  const image = added.find((i) => i.type === 'generated_image')!;
  expect(added.filter((i) => i.type === 'generated_image')).toHaveLength(1);
  const doneImages = events.filter((e) => e.type === 'thread.item.done' && (e.item as Json).type === 'generated_image');
  expect(doneImages.map((e) => (e.item as Json).id)).toEqual([image.id]);
  // Partial previews arrive once each, in order.
  const progress = events
    .filter((e) => e.type === 'thread.item.updated' && e.item_id === image.id)
    .map((e) => (e.update as Json).progress as number);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(new Set(progress).size).toBe(progress.length);
  const threadId = (events[0]!.thread as Json).id as string;
  const docs = await sys.db.collection('items').find({ thread_id: threadId }).toArray();
  expect(docs.filter((d) => d.type === 'generated_image').map((d) => d.item_id)).toEqual([image.id]);
  expect((await takeOverLines()).some((l) => l.includes('continuing its model response') && l.includes(runId))).toBe(true);
});

it('SIGTERM hands the run off at once and the next worker continues it', async () => {
  const question = 'a story for the drain test';
  const s = await start(question);
  const runId = s.headers.get('x-switchyard-run-id')!;
  await s.waitForEvents(12);
  const stopMs = await stopHolder(s, runId, 'SIGTERM');

  const events = s.events.map((e) => e.data as Json);
  expect(events.filter((e) => e.type === 'thread.item.removed')).toEqual([]);
  const done = events.filter((e) => e.type === 'thread.item.done' && (e.item as Json).type !== 'user_message').map((e) => e.item as Json);
  expect(done).toHaveLength(1);
  const finalText = (done[0]!.content as Json[])[0]!.text as string;
  expect(finalText).toBe(answerText(question));
  expect(textOf(events, done[0]!.id as string)).toBe(finalText);
  // No drain wait in background mode (WORKER_DRAIN_MS would be 20 s).
  expect(stopMs).toBeLessThan(10_000);
});

it('a resume point whose response was stopped upstream: the run regenerates, and says so in the metric', async () => {
  const before = await metricTotal('regenerated');
  const question = 'a story whose response will be stopped';
  const s = await start(question);
  const runId = s.headers.get('x-switchyard-run-id')!;
  await s.waitForEvents(12);
  await stopHolder(s, runId, 'SIGKILL', async () => {
    // Stopped upstream before the next worker looks (as an expired or failed response would be).
    const created = sys.model.requests.filter((r) => r.kind === 'create' && JSON.stringify(r.body).includes(question)).at(-1)!;
    const res = await fetch(`${sys.model.baseURL}/responses/${created.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
  });
  const events = s.events.map((e) => e.data as Json);
  const added = events.filter((e) => e.type === 'thread.item.added').map((e) => (e.item as Json).id);
  const removed = events.filter((e) => e.type === 'thread.item.removed').map((e) => e.item_id);
  expect(removed).toEqual([added[0]]);
  expect(events.at(-1)).toMatchObject({ type: 'thread.item.done', item: { id: added[1] } });
  expect(await metricTotal('regenerated')).toBe(before + 1);
  expect((await takeOverLines()).some((l) => l.includes('regenerating') && l.includes('cancelled') && l.includes(runId))).toBe(true);
});
