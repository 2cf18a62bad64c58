// Runs one agent turn with streaming and feeds every event to the ChatKit converter. Stops the run
// itself when a response produced an image but no message: the runner would otherwise call the
// model again every turn until MaxTurnsExceededError (PITFALLS).
import { Runner, type Agent, type AgentInputItem, type ModelProvider } from '@openai/agents';
import { isOpenAIResponsesRawModelStreamEvent } from '@openai/agents-openai';
import type { ResponseStreamConverter } from './response-stream-converter.ts';

export interface AgentRunArgs {
  agent: Agent;
  input: AgentInputItem[];
  provider: ModelProvider;
  converter: ResponseStreamConverter;
  signal?: AbortSignal;
  maxTurns?: number;
  /** Handed to tools as `runContext.context`. */
  context?: unknown;
}

export interface AgentRunOutcome {
  /** The run was stopped by us after an image-only response. */
  stoppedAfterImage: boolean;
  responses: number;
}

export async function agentRunner(args: AgentRunArgs): Promise<AgentRunOutcome> {
  const runner = new Runner({ modelProvider: args.provider, tracingDisabled: true });
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(args.signal?.reason);
  if (args.signal?.aborted) onOuterAbort();
  args.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let stoppedAfterImage = false;
  let responses = 0;
  try {
    const result = await runner.run(args.agent, args.input, { stream: true, signal: abort.signal, maxTurns: args.maxTurns ?? 10, ...(args.context !== undefined ? { context: args.context } : {}) });
    // Keep a rejected `completed` from surfacing as unhandled when we stop the run ourselves.
    result.completed.catch(() => undefined);
    for await (const ev of result) {
      args.converter.handle(ev);
      if (isOpenAIResponsesRawModelStreamEvent(ev) && ev.data.event.type === 'response.completed') {
        responses++;
        const output = ev.data.event.response.output;
        const imageOnly = output.some((o) => o.type === 'image_generation_call') && !output.some((o) => o.type === 'message' || o.type === 'function_call');
        if (imageOnly) {
          stoppedAfterImage = true;
          abort.abort(new Error('image-only response: run complete'));
          break;
        }
      }
    }
    if (!stoppedAfterImage) {
      await result.completed;
      if (result.error) throw result.error;
    }
  } catch (err) {
    if (!stoppedAfterImage) throw err;
  } finally {
    args.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { stoppedAfterImage, responses };
}
