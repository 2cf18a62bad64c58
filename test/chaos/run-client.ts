// One chaos client: starts a run with `threads.create` and follows it to its end across gateway
// deaths and Redis restarts, re-attaching on a live gateway with Last-Event-ID, as a browser would.
// A run has ended for the client when, after its final event (an `error`, or the assistant message
// done), a re-attach from that event answers a stream that closes with nothing in it (the gateway's
// answer for an ended run), or the gateway answers 404 (the run is gone). A final event alone is
// not the end: a taken-over attempt's answer can be removed and regenerated after it.
import { openSse, postChatKit, type SseStream } from '../kit/sse-client.ts';
import { isFinal, type SeenEvent } from './judge.ts';

export interface TimedEvent extends SeenEvent {
  /** Date.now() when the client received it. */
  at: number;
}

export type RunKind = 'text' | 'image' | 'tool';

export interface RunRecord {
  index: number;
  /** `tool`: a function tool call, then a text answer (the resume campaign's app has the tool). */
  kind: RunKind;
  /** Each client is its own user: per-user limits never interfere with the campaign. */
  user: string;
  runId?: string;
  threadId?: string;
  events: TimedEvent[];
  startedAt: number;
  /** When the latest final event arrived (an ended run counts as in flight until then). */
  finalAt?: number;
  /** Whether the client saw the run end (see above); false when the deadline passed first. */
  ended: boolean;
  /** The gateway of the stream open right now, if any. */
  gateway?: string;
  attaches: number;
  /** Refusals and breaks on the way, for the failure report. */
  notes: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function newRunRecord(index: number, kind: RunKind, campaign: string): RunRecord {
  return { index, kind, user: `chaos-${campaign}-${index}`, events: [], startedAt: Date.now(), ended: false, attaches: 0, notes: [] };
}

export function promptOf(rec: RunRecord): string {
  if (rec.kind === 'tool') return `record step ${rec.index} [flow:function_call:record_step {"key":"step-${rec.index}"}]`;
  return rec.kind === 'image' ? `draw picture number ${rec.index}` : `tell me story number ${rec.index}`;
}

type Drained = 'normal' | 'broken' | 'deadline';

/** Reads a stream to its end, stamping each event as it arrives. */
async function drain(stream: SseStream, rec: RunRecord, deadline: number): Promise<{ how: Drained; fresh: number }> {
  let taken = 0;
  let settled: Drained | undefined;
  const done = stream.done.then(
    () => (settled = 'normal'),
    () => (settled = 'broken'),
  );
  const take = () => {
    const now = Date.now();
    for (; taken < stream.events.length; taken++) {
      const ev = stream.events[taken]!;
      rec.events.push({ ...(ev.id !== undefined ? { id: ev.id } : {}), data: ev.data, raw: ev.raw, at: now });
      if (isFinal(ev.data)) rec.finalAt = now;
    }
  };
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      stream.abort();
      await done;
      take();
      return { how: 'deadline', fresh: taken };
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stream.waitForEvents(taken + 1), done, new Promise<void>((r) => (timer = setTimeout(r, left)))]);
    clearTimeout(timer);
    take();
    if (settled) {
      take();
      return { how: settled, fresh: taken };
    }
  }
}

/**
 * Follows one run until it ended or `hangMs` passed. `gateways` lists the base URLs of the gateways
 * alive right now (the campaign kills and restarts them under the client).
 */
export async function followRun(rec: RunRecord, gateways: () => string[], hangMs: number): Promise<RunRecord> {
  const deadline = rec.startedAt + hangMs;
  const headers = { 'X-Switchyard-User': rec.user };
  const body = {
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text: promptOf(rec) }], attachments: [], inference_options: {} } },
  };
  let stream: SseStream | null = null;
  for (let attempt = 0; !stream; attempt++) {
    if (Date.now() > deadline) {
      rec.notes.push('never started');
      return rec;
    }
    const live = gateways();
    const url = live[attempt % Math.max(1, live.length)];
    if (!url) {
      await sleep(100);
      continue;
    }
    const s = await postChatKit(url, body, headers).catch((err: unknown) => {
      rec.notes.push(`create on ${url} failed: ${String(err)}`);
      return null;
    });
    if (s && s.status === 200 && s.headers.get('x-switchyard-run-id')) {
      rec.runId = s.headers.get('x-switchyard-run-id')!;
      rec.gateway = url;
      stream = s;
    } else {
      if (s) rec.notes.push(`create on ${url} answered ${s.status}`);
      s?.abort();
      await sleep(300);
    }
  }
  rec.attaches = 1;
  for (let attempt = 0; ; attempt++) {
    if (stream) {
      const { how, fresh } = await drain(stream, rec, deadline);
      rec.gateway = undefined;
      if (how === 'deadline') break;
      const last = rec.events[rec.events.length - 1];
      if (how === 'normal' && fresh === 0 && last && isFinal(last.data)) {
        rec.ended = true;
        break;
      }
      if (how === 'broken') rec.notes.push(`stream broke after ${rec.events.length} events`);
      stream = null;
    }
    if (Date.now() > deadline) break;
    await sleep(150);
    const live = gateways();
    const url = live[attempt % Math.max(1, live.length)];
    if (!url) continue;
    const lastId = [...rec.events].reverse().find((e) => e.id !== undefined)?.id;
    const next = await openSse(`${url}/chatkit/runs/${rec.runId}/events`, {
      headers: { ...headers, ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
    }).catch((err: unknown) => {
      rec.notes.push(`re-attach on ${url} failed: ${String(err)}`);
      return null;
    });
    if (!next) continue;
    rec.attaches++;
    if (next.status === 404) {
      // The gateway says the run is gone (its log expired or was lost): a clear error for the client.
      next.abort();
      const now = Date.now();
      rec.events.push({ data: { type: 'error', code: 'run_not_found' }, raw: '{"type":"error","code":"run_not_found"}', at: now });
      rec.finalAt = now;
      rec.ended = true;
      break;
    }
    if (next.status !== 200) {
      rec.notes.push(`re-attach on ${url} answered ${next.status}`);
      next.abort();
      await sleep(300);
      continue;
    }
    rec.gateway = url;
    stream = next;
  }
  rec.threadId = String(((rec.events[0]?.data as { thread?: { id?: unknown } } | undefined)?.thread?.id as string | undefined) ?? '');
  return rec;
}
