// One `runs` job = one ChatKit response: load the thread, convert it to model input, run the agent,
// stream the mapped events into the run log, persist by the protocol's rules, end the log.
import type { Agent } from '@openai/agents';
import {
  ResponseStreamConverter,
  runAgentToChatKit,
  threadItemsToAgentInput,
  type ModelProviderPool,
} from '@switchyard/agents-runtime';
import type { BlobStore } from '@switchyard/blob';
import { chatKitErrorEventOf } from '@switchyard/errors';
import type { Logger } from '@switchyard/logging';
import type { GeneratedImageItem, ThreadItem } from '@switchyard/protocol';
import type { RunJobData } from '@switchyard/queues';
import { RunEventSequencer, type RunLog, type RunOutcome } from '@switchyard/run-log';
import type { ChatStore } from '@switchyard/store';
import type { ImageHandoffDeps } from './image-handoff.ts';
import { RunLogEmitter } from './run-log-emitter.ts';

export interface RunProcessorDeps {
  runLog: RunLog;
  store: ChatStore;
  blob: BlobStore;
  images: ImageHandoffDeps;
  providers: ModelProviderPool;
  agent: Agent;
  partialImages: number;
  /** How earlier generated images reach the model: inline bytes or a short-lived signed URL. */
  modelImageInput: 'data_url' | 'signed_url';
  logger: Logger;
}

export type ProcessResult = RunOutcome | 'already-ended';

/** How many stored items of a thread become model input (newest kept). */
const MAX_HISTORY_ITEMS = 400;

async function loadHistory(store: ChatStore, owner: string, threadId: string): Promise<ThreadItem[]> {
  const page = await store.loadThreadItems(owner, threadId, { limit: MAX_HISTORY_ITEMS, order: 'desc' });
  return page.data.reverse();
}

export async function processRun(deps: RunProcessorDeps, data: RunJobData, signal?: AbortSignal): Promise<ProcessResult> {
  const { runId, owner, threadId } = data;
  const log = deps.logger.child({ runId, threadId });
  const meta = await deps.runLog.meta(runId);
  if (!meta) throw new Error(`run ${runId} has no run log (expired or never created)`);
  if (meta.endedAt !== undefined) return 'already-ended';

  const seq = new RunEventSequencer(deps.runLog, runId);
  const emitter = new RunLogEmitter({ runId, owner, threadId, partialImages: deps.partialImages }, seq, deps.store, deps.images);
  const converter = new ResponseStreamConverter(emitter, { threadId, partialImages: deps.partialImages });
  const imageInput = async (item: GeneratedImageItem): Promise<string | null> => {
    const ref = await deps.store.loadItemBlob(owner, threadId, item.id);
    if (!ref) return item.image?.url ?? null;
    if (deps.modelImageInput === 'signed_url') return deps.blob.signedUrl(ref.name, { expiresInSeconds: 600 });
    const bytes = await deps.blob.get(ref.name);
    return `data:${ref.contentType};base64,${bytes.toString('base64')}`;
  };

  try {
    await deps.store.loadThread(owner, threadId);
    const input = await threadItemsToAgentInput(await loadHistory(deps.store, owner, threadId), { imageInput });
    const lease = await deps.providers.lease();
    try {
      const outcome = await runAgentToChatKit({ agent: deps.agent, input, provider: lease.provider, converter, ...(signal ? { signal } : {}) });
      log.debug({ responses: outcome.responses, stoppedAfterImage: outcome.stoppedAfterImage }, 'agent run finished');
    } finally {
      lease.release();
    }
    await seq.end({ outcome: 'completed' });
    log.info({ appends: seq.stats.appends, entries: seq.stats.entries, coalesced: seq.stats.coalescedDeltas }, 'run completed');
    return 'completed';
  } catch (err) {
    log.error({ err }, 'run failed');
    const errorEvent = JSON.stringify(chatKitErrorEventOf(err));
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (!seq.failed) {
      seq.event(errorEvent);
      await seq.end({ outcome: 'failed', reason });
    } else {
      // The sequencer itself broke (Redis or a step): write the error and the end directly.
      await deps.runLog.append(runId, [
        { kind: 'event', json: errorEvent },
        { kind: 'end', end: { outcome: 'failed', reason } },
      ]);
    }
    return 'failed';
  }
}
