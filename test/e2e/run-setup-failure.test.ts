// A run whose worker cannot read MongoDB as it starts the run (a failover or a network blip; in the
// conformance suites, the test process freezing the in-process MongoDB test server while it compiled
// the JSON schemas): the client attached to the run must still get an `error` event and the end of its
// stream, and the run's reservation (thread lock, run slot) must be given back. processRun reads the
// thread inside its error handling (packages/chatkit-server/src/process-run/process-run.ts); when it
// read it before its `try` (packages/generation/src/response-pipeline.ts until the chatkit-server
// move), the job failed silently, nothing ended the run log and the client waited for ever: the
// conformance I1 "hang" on a loaded machine. The worker is held (SIGSTOP) while the gateway sets the
// run up, and MongoDB is stopped before it resumes, so the failure is certain, not a race.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMongoTestServer } from '@switchyard/mongo-test-server';
import { createRedis } from '@switchyard/redis-connection';
import { postChatKit, type SseStream } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
let sys: System;

beforeAll(async () => {
  if (process.env.MONGODB_URL) return;
  sys = await startSystem({ transport: 'http' });
});
afterAll(async () => {
  await sys?.stop();
});

/** True when the server ended the stream within `ms`. */
const endsWithin = (s: SseStream, ms: number) =>
  Promise.race([s.done.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

it.skipIf(!!process.env.MONGODB_URL)(
  'MongoDB unreachable when the worker starts a run: the stream ends with an error and the reservation is given back',
  async () => {
    const worker = sys.worker;
    const mongo = sys.embedded.mongo!;
    // The worker is held so the run waits in the queue while the gateway does its set-up with MongoDB up.
    process.kill(worker.pid, 'SIGSTOP');
    let s: SseStream;
    try {
      s = await postChatKit(sys.gateways[0]!.url, {
        type: 'threads.create',
        params: { input: { content: [{ type: 'input_text', text: 'hello' }], attachments: [], inference_options: {} } },
      });
      expect(s.status).toBe(200);
      await s.waitForEvents(3); // thread.created, the user message, stream_options: the run is enqueued
      await mongo.close();
    } finally {
      process.kill(worker.pid, 'SIGCONT');
    }
    // The worker's read of the thread fails once the driver gives up selecting a server (5 s).
    const ended = await endsWithin(s, 30_000);
    const events = s.events.map((e) => e.data as Json);
    expect(ended, `the stream never ended; events: ${JSON.stringify(events.map((e) => e.type))}`).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['thread.created', 'thread.item.done', 'stream_options', 'error']);

    const runId = s.headers.get('x-switchyard-run-id')!;
    const threadId = (events[0]!.thread as Json).id as string;
    const redis = createRedis(sys.redisUrl, { name: 'run-setup-failure-test' });
    try {
      expect(await redis.exists(`{thread:${threadId}}:active-run`)).toBe(0);
      expect(await redis.zscore('{user:dev}:run-slots', runId)).toBeNull();
    } finally {
      redis.disconnect();
    }
    // MongoDB back (empty: it is in memory) so the system stops as usual.
    sys.embedded.mongo = await startMongoTestServer({ port: mongo.port });
  },
  90_000,
);
