// Runs one agent turn with streaming and feeds every event to the ChatKit converter. Stops the run
// itself after a response that leaves the runner nothing to do — only an image, only reasoning,
// only hosted tool calls, or nothing: the runner would otherwise ask the model again every turn
// until MaxTurnsExceededError (PITFALLS), repeating the same answer.
import { RunContext, RunState, Runner, type Agent, type AgentInputItem, type ModelProvider } from '@openai/agents';
import { isOpenAIResponsesRawModelStreamEvent } from '@openai/agents-openai';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import type { AgentChatContext } from './chat-context.ts';
import { ModelSession, modelSessions } from './background-mode.ts';
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
  /** The run's model calls (background mode, docs/resume.md); a fresh one when absent. */
  session?: ModelSession;
  /**
   * Continue an earlier attempt's agent loop (docs/resume.md): its serialized run state, taken as
   * a model call began, and the response that call created (null: it created none we know of).
   * `input` is ignored.
   */
  resume?: { runState: string; responseId: string | null };
  /**
   * Told as each model call begins (`responseId` null, before the request) and when its response
   * shows up (`responseId` set), with the run state to continue from; only while it is called.
   */
  onModelResponse?(responseId: string | null, runState: string): void;
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

/**
 * The run state as a string, without its context: the RunState schema wants a plain record there,
 * and ours holds the run's live objects (an attempt that continues the run brings its own, given
 * back with `fromStringWithContext`). Synchronous, so no tool can see the stand-in.
 */
export function serializeRunState(state: { _context: unknown; toString(): string }): string {
  const context = state._context as { context: unknown };
  const live = context.context;
  context.context = {};
  try {
    return state.toString();
  } finally {
    context.context = live;
  }
}

export function agentRunner(args: AgentRunArgs): Promise<AgentRunOutcome> {
  const session = args.session ?? new ModelSession();
  return modelSessions.run(session, () => runAgent(args, session));
}

async function runAgent(args: AgentRunArgs, session: ModelSession): Promise<AgentRunOutcome> {
  const runner = new Runner({ modelProvider: args.provider, tracingDisabled: true });
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(args.signal?.reason);
  if (args.signal?.aborted) onOuterAbort();
  args.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let stoppedAfter: string[] | null = null;
  let responses = 0;
  let lastResponseId: string | null = null;
  let result: Awaited<ReturnType<typeof runner.run<typeof args.agent, unknown>>> | null = null;
  // The run state as the current model call began: tool results of earlier turns are in it, so a
  // later attempt continuing from it runs none of them again.
  let callState: string | null = null;
  if (args.onModelResponse) {
    session.onCallStart = () => {
      if (!result) return;
      callState = serializeRunState(result.state);
      args.onModelResponse!(null, callState);
    };
  }
  try {
    let input: AgentInputItem[] | RunState<unknown, Agent> = args.input;
    if (args.resume) {
      input = await RunState.fromStringWithContext(args.agent as Agent, args.resume.runState, new RunContext(args.context), {
        contextStrategy: 'replace',
      });
      session.resumeNext = args.resume.responseId;
      // Ours from now on: a cancel before its stream starts again still stops it upstream.
      if (args.resume.responseId) session.responses.push(args.resume.responseId);
      callState = args.resume.runState;
    }
    const run = await runner.run(args.agent as Agent, input, {
      stream: true,
      signal: abort.signal,
      maxTurns: args.maxTurns ?? 10,
      ...(args.context !== undefined ? { context: args.context } : {}),
      ...(args.previousResponseId ? { previousResponseId: args.previousResponseId } : {}),
    });
    result = run;
    // Keep a rejected `completed` from surfacing as unhandled when we stop the run ourselves.
    run.completed.catch(() => undefined);
    for await (const ev of run) {
      if (isOpenAIResponsesRawModelStreamEvent(ev) && ev.data.event.type === 'response.created') {
        const id = ev.data.event.response.id;
        if (session.resumeNext === id) session.resumeNext = null;
        if (!session.responses.includes(id)) session.responses.push(id);
        // The first call may begin before `runner.run` hands back its result: nothing ran before it.
        if (args.onModelResponse) args.onModelResponse(id, callState ?? serializeRunState(run.state));
      }
      args.converter.handle(ev);
      if (isOpenAIResponsesRawModelStreamEvent(ev) && ev.data.event.type === 'response.completed') {
        session.completed.add(ev.data.event.response.id);
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
      await run.completed;
      if (run.error) throw run.error;
    }
  } catch (err) {
    if (!stoppedAfter) throw err;
  } finally {
    args.signal?.removeEventListener('abort', onOuterAbort);
    session.onCallStart = null;
  }
  return { stoppedWithoutFollowUp: stoppedAfter !== null, stoppedAfter, responses, lastResponseId };
}
