// Runs one agent turn with streaming and feeds every event to the ChatKit converter. Stops the run
// itself after a response that leaves the runner nothing to do — only an image, only reasoning,
// only hosted tool calls, or nothing: the runner would otherwise ask the model again every turn
// until MaxTurnsExceededError (PITFALLS), repeating the same answer.
import { Runner, type Agent, type AgentInputItem, type ModelProvider } from '@openai/agents';
import { isOpenAIResponsesRawModelStreamEvent } from '@openai/agents-openai';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import type { AgentChatContext } from './chat-context.ts';
import type { ResponseStreamConverter } from './response-stream-converter.ts';

export interface AgentRunArgs {
  agent: Agent<AgentChatContext> | Agent;
  input: AgentInputItem[];
  provider: ModelProvider;
  converter: ResponseStreamConverter;
  signal?: AbortSignal;
  maxTurns?: number;
  /** Handed to tools as `runContext.context`. */
  context?: unknown;
  /** Continue server-side from this response (Responses `previous_response_id`). */
  previousResponseId?: string;
}

export interface AgentRunOutcome {
  /** The run was stopped by us after a response with no message and nothing to execute. */
  stoppedWithoutFollowUp: boolean;
  /** The output types of the response we stopped after, e.g. ['image_generation_call']. */
  stoppedAfter: string[] | null;
  responses: number;
  /** Id of the last Responses response, for `previous_response_id` chaining. */
  lastResponseId: string | null;
}

/**
 * Output the API finished by itself: none of these gives the runner a final message or a call to
 * execute. A message, a function call (tools, handoffs) or a local tool call (computer, shell,
 * apply_patch, MCP approval) means the runner has work, so the run is left alone.
 */
const NO_FOLLOW_UP = new Set<ResponseOutputItem['type']>([
  'reasoning',
  'image_generation_call',
  'web_search_call',
  'file_search_call',
  'code_interpreter_call',
  'mcp_call',
  'mcp_list_tools',
]);

export function needsNoFollowUp(output: ResponseOutputItem[]): boolean {
  return output.every((o) => NO_FOLLOW_UP.has(o.type));
}

export async function agentRunner(args: AgentRunArgs): Promise<AgentRunOutcome> {
  const runner = new Runner({ modelProvider: args.provider, tracingDisabled: true });
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(args.signal?.reason);
  if (args.signal?.aborted) onOuterAbort();
  args.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let stoppedAfter: string[] | null = null;
  let responses = 0;
  let lastResponseId: string | null = null;
  try {
    const result = await runner.run(args.agent, args.input, {
      stream: true,
      signal: abort.signal,
      maxTurns: args.maxTurns ?? 10,
      ...(args.context !== undefined ? { context: args.context } : {}),
      ...(args.previousResponseId ? { previousResponseId: args.previousResponseId } : {}),
    });
    // Keep a rejected `completed` from surfacing as unhandled when we stop the run ourselves.
    result.completed.catch(() => undefined);
    for await (const ev of result) {
      args.converter.handle(ev);
      if (isOpenAIResponsesRawModelStreamEvent(ev) && ev.data.event.type === 'response.completed') {
        responses++;
        lastResponseId = ev.data.event.response.id;
        const output = ev.data.event.response.output;
        if (needsNoFollowUp(output)) {
          stoppedAfter = output.map((o) => o.type);
          abort.abort(new Error(`response with ${stoppedAfter.join(', ') || 'no output'} only: run complete`));
          break;
        }
      }
    }
    if (!stoppedAfter) {
      await result.completed;
      if (result.error) throw result.error;
    }
  } catch (err) {
    if (!stoppedAfter) throw err;
  } finally {
    args.signal?.removeEventListener('abort', onOuterAbort);
  }
  return { stoppedWithoutFollowUp: stoppedAfter !== null, stoppedAfter, responses, lastResponseId };
}
