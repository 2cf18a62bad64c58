// Chaos suite (issue 5): concurrent runs on loopback while generation workers, a gateway and an
// ingest worker are killed (SIGKILL) at random points and Redis is restarted. Clients re-attach
// with Last-Event-ID on the surviving gateway. For every phase: runs completed, runs ended with a
// clear error, events lost, duplicate events delivered, duplicate items in MongoDB (the last three
// must be 0). The table is printed; docs/chaos.md holds the latest figures.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer } from '@switchyard/redis-server';
import { openSse, postChatKit, type SseEvent } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
let state = seed;
const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

interface RunResult {
  outcome: 'completed' | 'error' | 'incomplete';
  lost: number;
  duplicates: number;
  duplicateItems: number;
}

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    gateways: 2,
    workers: 3,
    ingests: 2,
    deltaDelayMs: 20,
    textDeltas: 40,
    imageBytes: 150_000,
    env: {
      WORKER_LOCK_MS: '1500',
      WORKER_STALLED_INTERVAL_MS: '500',
      MAX_CONCURRENT_RUNS_PER_USER: '0',
      DISCONNECT_POLICY: 'detach',
      LOG_LEVEL: 'info',
    },
  });
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

const isFinal = (e: Json) => e.type === 'error' || (e.type === 'thread.item.done' && (e.item as Json).type === 'assistant_message');

/** One client: starts a run, follows it across gateway deaths, returns what it saw. */
async function client(text: string): Promise<{ events: SseEvent[]; threadId: string }> {
  const alive = () => sys.gateways.filter((g) => g.process.child.exitCode === null && g.process.child.signalCode === null);
  const first = await postChatKit(alive()[0]!.url, {
    type: 'threads.create',
    params: { input: { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} } },
  });
  const runId = first.headers.get('x-switchyard-run-id')!;
  const events: SseEvent[] = [];
  let stream = first;
  for (let attempt = 0; attempt < 20; attempt++) {
    await stream.done.catch(() => undefined);
    events.push(...stream.events);
    const last = events[events.length - 1];
    if (last && isFinal(last.data as Json)) break;
    await new Promise((r) => setTimeout(r, 200));
    const gw = alive()[attempt % alive().length]!;
    const next = await openSse(`${gw.url}/chatkit/runs/${runId}/events`, { headers: last?.id ? { 'Last-Event-ID': last.id } : {} }).catch(
      () => null,
    );
    if (next?.status === 404) {
      // The run is gone (Redis lost it): the gateway says so with a JSON 404 — a clear error.
      events.push({ data: { type: 'error', code: 'run_not_found' }, raw: '' });
      break;
    }
    if (next) stream = next;
  }
  return { events, threadId: (((events[0]?.data as Json | undefined)?.thread as Json | undefined)?.id as string) ?? '' };
}

async function judge(r: { events: SseEvent[]; threadId: string }): Promise<RunResult> {
  // Events without an id are the gateway's own end-of-stream errors for a vanished run.
  const ids = r.events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
  const seen = new Set<number>();
  let duplicates = 0;
  for (const id of ids) {
    if (seen.has(id)) duplicates++;
    seen.add(id);
  }
  const max = Math.max(0, ...ids);
  const lost = max - seen.size;
  const last = r.events[r.events.length - 1]?.data as Json | undefined;
  const outcome = !last || !isFinal(last) ? 'incomplete' : last.type === 'error' ? 'error' : 'completed';
  // After a takeover only the final attempt's items may remain: one assistant message per run.
  const docs = await sys.db.collection('items').find({ thread_id: r.threadId }).toArray();
  const assistants = docs.filter((d) => d.type === 'assistant_message').length;
  const images = docs.filter((d) => d.type === 'generated_image').length;
  const duplicateItems = Math.max(0, assistants - 1) + Math.max(0, images - 1);
  return { outcome, lost, duplicates, duplicateItems };
}

async function phase(name: string, runs: number, chaos: () => Promise<void>): Promise<Record<string, string | number>> {
  const clients = Array.from({ length: runs }, (_, i) => client(i % 2 === 0 ? `draw picture ${i}` : `tell me story ${i}`));
  await new Promise((r) => setTimeout(r, 200 + random() * 600));
  await chaos();
  const results = await Promise.all((await Promise.all(clients)).map(judge));
  return {
    phase: name,
    runs,
    completed: results.filter((r) => r.outcome === 'completed').length,
    'clear error': results.filter((r) => r.outcome === 'error').length,
    incomplete: results.filter((r) => r.outcome === 'incomplete').length,
    'events lost': results.reduce((a, r) => a + r.lost, 0),
    'duplicate events': results.reduce((a, r) => a + r.duplicates, 0),
    'duplicate items': results.reduce((a, r) => a + r.duplicateItems, 0),
  };
}

it('loses nothing and duplicates nothing while processes die', async () => {
  const rows = [];
  rows.push(
    await phase('worker SIGKILL', 6, async () => {
      // Kill a worker that holds a run. On a loaded machine the phase's random 200–800 ms may pass
      // before any worker has taken a job, so wait for one rather than assume it.
      const holder = () => sys.workers.find((w) => w.child.exitCode === null && w.output.some((l) => l.includes('"msg":"run started"')));
      for (const deadline = Date.now() + 30_000; !holder() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
      const victim = holder();
      if (!victim)
        throw new Error(`no worker started a run within 30 s:\n${sys.workers.map((w) => w.output.slice(-10).join('\n')).join('\n---\n')}`);
      await victim.stop('SIGKILL');
    }),
  );
  rows.push(
    await phase('gateway SIGKILL', 4, async () => {
      await sys.gateways[0]!.process.stop('SIGKILL');
    }),
  );
  rows.push(
    await phase('ingest SIGKILL', 4, async () => {
      await sys.ingests[0]!.stop('SIGKILL');
    }),
  );
  rows.push(
    await phase('Redis restart', 4, async () => {
      const redis = sys.embedded.redis!;
      await redis.stop();
      await new Promise((r) => setTimeout(r, 300));
      sys.embedded.redis = await startRedisServer({ port: redis.port });
    }),
  );
  console.log(`\nchaos suite (seed ${seed})`);
  console.table(rows);
  for (const row of rows) {
    expect(row['events lost'], `${row.phase}: events lost`).toBe(0);
    expect(row['duplicate events'], `${row.phase}: duplicate events`).toBe(0);
    expect(row['duplicate items'], `${row.phase}: duplicate items`).toBe(0);
    expect(row.incomplete, `${row.phase}: runs that neither completed nor ended with a clear error`).toBe(0);
  }
}, 240_000);
