// What a hostile-client probe found, closed, on the real system: re-attaching at or past the end of a
// run, unbounded open attaches per user, uploaded images beyond the image limits, downloads without
// Content-Disposition, undecodable paths answered with HTML, and CORS (CORS_ORIGINS).
import { PNG } from 'pngjs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { RunLog } from '@switchyard/run-log';
import { openSse, postChatKit, type SseStream } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';
import { pngDeclaring } from '@switchyard/model-test-server';

const ORIGIN = 'https://app.example.com';
const USER = 'x-switchyard-user';
let sys: System;
let gw: string;
let redis: RedisClient;
let log: RunLog;

beforeAll(async () => {
  sys = await startSystem({
    transport: 'http',
    env: { MAX_ATTACHES_PER_USER: '3', CORS_ORIGINS: `${ORIGIN},http://localhost:3000`, DEMO_PAGE: 'true' },
  });
  gw = sys.gateways[0]!.url;
  redis = createRedis(sys.redisUrl, { name: 'holes-test' });
  log = new RunLog(redis, { maxEntries: 10_000, ttlSeconds: 600, orphanTtlSeconds: 600 });
});
afterAll(async () => {
  redis?.disconnect();
  await sys?.stop();
});

const event = (i: number) => ({ kind: 'event' as const, json: JSON.stringify({ type: 'progress_update', text: `step ${i}` }) });
const END = { kind: 'end' as const, end: { outcome: 'completed' as const } };
let runs = 0;

/** A run written straight into the log (no worker), owned by `owner`, with `events` events so far. */
async function run(owner: string, events: number): Promise<string> {
  const runId = `run_holes${String(++runs).padStart(8, '0')}`;
  await log.createRun(runId, owner, `thr_holes${runs}`);
  if (events > 0)
    await log.append(
      runId,
      Array.from({ length: events }, (_, i) => event(i + 1)),
    );
  return runId;
}

const attach = (runId: string, owner: string, lastEventId?: number, extra: Record<string, string> = {}): Promise<SseStream> =>
  openSse(`${gw}/chatkit/runs/${runId}/events`, {
    headers: { [USER]: owner, ...(lastEventId !== undefined ? { 'Last-Event-ID': String(lastEventId) } : {}), ...extra },
  });

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await f();
  return [value, performance.now() - started];
}

describe('re-attach at or past the end', () => {
  it('an ended run re-attached at or past its last seq ends at once, empty', async () => {
    const runId = await run('ann', 3);
    await log.append(runId, [END]); // the terminal entry is seq 4; a client saw at most 3
    for (const last of [3, 4, 5, 1_000_000]) {
      const [stream, ms] = await timed(async () => {
        const s = await attach(runId, 'ann', last);
        await s.done;
        return s;
      });
      expect(stream.status, `Last-Event-ID ${last}`).toBe(200);
      expect(stream.events, `Last-Event-ID ${last}`).toEqual([]);
      // The bug kept it open until the log expired (an hour); closing before a heartbeat resync is the point.
      expect(ms, `Last-Event-ID ${last}`).toBeLessThan(10_000);
    }
  });

  it('a real, finished run re-attached one past the last event it sent ends at once', async () => {
    const first = await postChatKit(gw, {
      type: 'threads.create',
      params: { input: { content: [{ type: 'input_text', text: 'hello' }], attachments: [], inference_options: {} } },
    });
    await first.done;
    const runId = first.headers.get('x-switchyard-run-id')!;
    const last = Number(first.events.at(-1)!.id);
    for (const after of [last, last + 1, last + 50]) {
      const [stream, ms] = await timed(async () => {
        const s = await openSse(`${gw}/chatkit/runs/${runId}/events`, { headers: { 'Last-Event-ID': String(after) } });
        await s.done;
        return s;
      });
      expect(stream.events).toEqual([]);
      expect(ms).toBeLessThan(10_000);
    }
  });

  it('a running run re-attached past its newest seq counts that as the current end: what follows arrives, then the end', async () => {
    const runId = await run('ann', 2);
    const stream = await attach(runId, 'ann', 999);
    expect(stream.status).toBe(200);
    await log.append(runId, [event(3)]);
    await stream.waitForEvents(1);
    await log.append(runId, [END]);
    await stream.done;
    expect(stream.events.map((e) => e.id)).toEqual(['3']);
  });
});

describe('open attaches per user (MAX_ATTACHES_PER_USER=3)', () => {
  it('refuses the 4th with 429 and Retry-After before any stream starts; another user is unaffected; closing one frees a slot', async () => {
    const runId = await run('bea', 1);
    const open = await Promise.all([1, 2, 3].map(() => attach(runId, 'bea')));
    for (const s of open) expect(s.status).toBe(200);

    const refused = await fetch(`${gw}/chatkit/runs/${runId}/events`, { headers: { [USER]: 'bea', Origin: ORIGIN } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('3') } });
    // The refusal is readable cross-origin (CORS on), Retry-After included.
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');

    // A streaming POST is an attach too: refused before a thread is created.
    const threadsBefore = await sys.db.collection('threads').countDocuments({ owner: 'bea' });
    const post = await fetch(`${gw}/chatkit`, {
      method: 'POST',
      headers: { [USER]: 'bea', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'threads.create',
        params: { input: { content: [{ type: 'input_text', text: 'hi' }], attachments: [], inference_options: {} } },
      }),
    });
    expect(post.status).toBe(429);
    expect(await sys.db.collection('threads').countDocuments({ owner: 'bea' })).toBe(threadsBefore);

    // Another user is unaffected.
    const other = await attach(await run('cid', 1), 'cid');
    expect(other.status).toBe(200);

    // Closing one frees a slot (released when the gateway sees the connection close).
    open[0]!.abort();
    let again: SseStream | undefined;
    const deadline = Date.now() + 5_000;
    while (!again) {
      const s = await attach(runId, 'bea');
      if (s.status === 200) again = s;
      else {
        s.abort();
        if (Date.now() > deadline) throw new Error('no slot was freed after a stream closed');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await log.append(runId, [END]);
    await Promise.all([...open.slice(1), again].map((s) => s.done));
    other.abort();
  });
});

async function upload(owner: string, bytes: Buffer, type: string, filename: string) {
  const body = new FormData();
  body.append('file', new Blob([bytes], { type }), filename);
  return fetch(`${gw}/chatkit/uploads`, { method: 'POST', headers: { [USER]: owner }, body });
}

describe('uploads and downloads', () => {
  const stored = async (owner: string) => ({
    records: await sys.db.collection('attachments').countDocuments({ owner }),
    objects: await readdir(join(sys.embedded.env.BLOB_LOCAL_ROOT!, 'objects', 'attachments', owner)).catch(() => []),
  });

  it('refuses a PNG declaring 100000×100000 (422) and a truncated PNG (400), storing nothing', async () => {
    const bomb = pngDeclaring(100_000, 100_000);
    expect(bomb.length).toBeLessThan(400);
    const tooBig = await upload('dan', bomb, 'image/png', 'bomb.png');
    expect(tooBig.status).toBe(422);
    expect(await tooBig.json()).toEqual({ error: { code: 'invalid_content', message: expect.stringContaining('100000x100000') } });
    const truncated = await upload('dan', Buffer.from(pngDeclaring(64, 64).subarray(0, 20)), 'image/png', 'cut.png');
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    expect(await stored('dan')).toEqual({ records: 0, objects: [] });
  });

  it('serves an uploaded image with Content-Disposition inline and its name', async () => {
    const png = new PNG({ width: 8, height: 8 });
    const res = await upload('dan', PNG.sync.write(png), 'image/png', 'tiny été.png');
    expect(res.status).toBe(200);
    const attachment = (await res.json()) as { preview_url: string };
    const file = await fetch(attachment.preview_url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe(`inline; filename="tiny ?t?.png"; filename*=UTF-8''tiny%20%C3%A9t%C3%A9.png`);
  });

  it.each(['/files/%zz?exp=1&sig=x', '/files/images/%zz', '/demo/%zz'])('%s answers JSON 400, no HTML', async (path) => {
    const res = await fetch(`${gw}${path}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'bad_request' } });
    expect(text).not.toMatch(/<html|<pre>|node_modules|\/work\//i);
  });
});

describe('CORS_ORIGINS', () => {
  const preflight = (path: string, origin: string, method: string, headers: string) =>
    fetch(`${gw}${path}`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
    });
  const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith('access-control-'));

  it.each([
    ['/chatkit', 'POST', 'content-type,authorization'],
    ['/chatkit/runs/run_x/events', 'GET', 'last-event-id'],
    ['/chatkit/uploads/atc_x', 'PUT', 'x-switchyard-upload-token,content-type'],
  ])('answers the preflight of %s for a listed origin', async (path, method, headers) => {
    const res = await preflight(path, ORIGIN, method, headers);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain(method);
    for (const h of headers.split(',')) expect(res.headers.get('access-control-allow-headers')!.toLowerCase()).toContain(h);
  });

  it('exposes the run id on a streaming answer to a listed origin', async () => {
    const stream = await postChatKit(
      gw,
      {
        type: 'threads.create',
        params: { input: { content: [{ type: 'input_text', text: 'hi' }], attachments: [], inference_options: {} } },
      },
      { Origin: 'http://localhost:3000', [USER]: 'eve' },
    );
    await stream.done;
    expect(stream.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(stream.headers.get('access-control-expose-headers')).toContain('X-Switchyard-Run-Id');
  });

  it('gives an unlisted origin no CORS headers, and none outside /chatkit', async () => {
    expect(corsHeaders(await preflight('/chatkit', 'https://evil.example.com', 'POST', 'content-type'))).toEqual([]);
    const res = await fetch(`${gw}/chatkit`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example.com', 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'threads.list', params: {} }),
    });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    expect(corsHeaders(await fetch(`${gw}/healthz`, { headers: { Origin: ORIGIN } }))).toEqual([]);
  });
});
