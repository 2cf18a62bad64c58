// Step 4 of starting a run: the run log with its first events (thread.created, the user item,
// stream_options …) and the `runs` job carrying the RunPlan, ids only (docs/architecture.md §3).
import type { Queue } from 'bullmq';
import type { RequestContext, SwitchyardApp } from '@switchyard/app-api';
import { eventToWire, type ThreadMetadata, type ThreadStreamEvent } from '@switchyard/protocol';
import { jobSpanAttributes, RUNS_QUEUE } from '@switchyard/queues';
import type { PendingEntry, RunLog } from '@switchyard/run-log';
import { currentTraceCarrier, inSpan, SpanKind } from '@switchyard/tracing';
import type { RunPlan } from '../run-plan.ts';
import type { RunPlanFields } from './prepare.ts';

export interface OpenRunDeps {
  runLog: RunLog;
  runsQueue: Queue<RunPlan>;
  app: SwitchyardApp;
}

const toEntry = (e: ThreadStreamEvent): PendingEntry => ({ kind: 'event', json: JSON.stringify(eventToWire(e)) });

/** Creates the run log; an attach from here on waits for entries instead of answering 404. */
export async function createRunLog(deps: OpenRunDeps, runId: string, owner: string, threadId: string): Promise<void> {
  const traceparent = currentTraceCarrier()?.traceparent;
  await deps.runLog.createRun(runId, owner, threadId, traceparent ? { traceparent } : {});
}

/** A run answered by the gateway alone: its events and the end, no worker. */
export async function writeWholeRun(deps: OpenRunDeps, runId: string, events: ThreadStreamEvent[]): Promise<void> {
  // Batch tokens make every append of the gateway safe to re-send after a reconnect (run-log.ts).
  await deps.runLog.append(runId, [...events.map(toEntry), { kind: 'end', end: { outcome: 'completed' } }], {
    batchToken: `whole:${runId}`,
  });
}

/** Appends the stream's opening events, marks where the worker's part begins, and enqueues the plan. */
export async function openRun(
  deps: OpenRunDeps,
  p: {
    runId: string;
    owner: string;
    thread: ThreadMetadata;
    context: RequestContext;
    before: ThreadStreamEvent[];
    after: ThreadStreamEvent[];
    plan: RunPlanFields;
  },
): Promise<void> {
  const { runId, owner, thread, context } = p;
  const streamOptions: ThreadStreamEvent = {
    type: 'stream_options',
    stream_options: deps.app.streamOptions?.({ thread, context }) ?? { allow_cancel: true },
  };
  const prefix = [...p.before, streamOptions, ...p.after];
  const first = await deps.runLog.append(runId, prefix.map(toEntry), { batchToken: `prefix:${runId}` });
  await deps.runLog.markPrefixEnd(runId, first + prefix.length - 1);
  await inSpan(
    'publish runs',
    { kind: SpanKind.PRODUCER, attributes: jobSpanAttributes(RUNS_QUEUE, runId, { runId, threadId: thread.id }) },
    async () => {
      const trace = currentTraceCarrier();
      const plan: RunPlan = {
        ...p.plan,
        runId,
        owner,
        threadId: thread.id,
        metadata: context.metadata as RunPlan['metadata'],
        enqueuedAt: Date.now(),
        ...(trace ? { trace } : {}),
      };
      await deps.runsQueue.add('run', plan, { jobId: runId });
    },
  );
}
