// `respond` for apps built on an Agents SDK agent (docs/protocol.md §7): converts the stored thread
// to model input, continues a workflow the last turn left open (§7.1), runs the agent on a leased
// provider, and yields the mapped ChatKit events (image frames included) as they arrive. At the end
// of the run (§7.6) it stores a still-open workflow without a `done` event and ends the turn with a
// pending client tool call if a tool asked for one; a guardrail tripwire (§7.7) takes back every
// item the run produced before the error reaches the pipeline.
import { createHash } from 'node:crypto';
import { defineToolInputGuardrail, type Agent } from '@openai/agents';
import { InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered, Runner, type ModelProvider } from '@openai/agents';
import { ResumeUnavailable, type RespondArgs, type ResponseEvent } from '@switchyard/app-api';
import type { Annotation, GeneratedImageItem, ThreadItem, UserMessageItem } from '@switchyard/protocol';
import { agentRunner } from './agent-run.ts';
import { ModelSession } from './background-mode.ts';
import { AsyncQueue } from './async-queue.ts';
import { AgentChatContext } from './chat-context.ts';
import type { ModelProviderPool } from './model-provider.ts';
import {
  ResponseStreamConverter,
  workflowToContinue,
  type ConverterSnapshot,
  type ResponsesAnnotation,
} from './response-stream-converter.ts';
import { threadItemsToAgentInput, type ItemConversions, type ThreadInputOptions } from './thread-input.ts';

/** An agent whose tools receive the AgentChatContext (or ignore their context). */
export type ChatAgent = Agent<AgentChatContext> | Agent;

export interface AgentResponderOptions {
  agent: ChatAgent | ((args: RespondArgs) => ChatAgent);
  providers: ModelProviderPool;
  partialImages: number;
  /** Resolves a stored generated image for model input (data URL or signed URL). */
  imageInput(args: RespondArgs, item: GeneratedImageItem): Promise<string | null>;
  /** Converts a user message's attachment to an input part (skipped without it). */
  attachmentInput?(
    args: RespondArgs,
    attachment: Parameters<NonNullable<ThreadInputOptions['attachmentInput']>>[0],
  ): ReturnType<NonNullable<ThreadInputOptions['attachmentInput']>>;
  /** Resolves an @-tag of a user message to context for the model (none without it). */
  tagInput?(
    args: RespondArgs,
    tag: Parameters<NonNullable<ThreadInputOptions['tagInput']>>[0],
  ): ReturnType<NonNullable<ThreadInputOptions['tagInput']>>;
  /** Replaces the default model input of some item types (docs/protocol.md §7.8). */
  conversions?: ItemConversions;
  maxHistoryItems?: number;
  maxTurns?: number;
  /**
   * Chain turns with `previous_response_id` (the provider stores the conversation; requires
   * stored responses). The id is kept in the thread's server-side metadata.
   */
  chainResponses?: boolean;
  /** Name the thread after its first answer with a short extra model call (streamed as thread.updated). */
  title?: { agent: Agent } | false;
  /**
   * Stores an item without telling the client (upsert by id). Used for a workflow still open at
   * the end of the run (docs/protocol.md §7.6), which the reference writes to the store directly so the next turn
   * continues it. Without it that workflow is sent as `thread.item.done` instead (persisted by the
   * pipeline, and still continued next turn): one event more than the reference.
   */
  persistItem?(args: RespondArgs, item: ThreadItem): Promise<void>;
  /** Overrides the annotation conversion (docs/protocol.md §7.5). */
  convertAnnotation?(annotation: ResponsesAnnotation): Annotation | null;
}

export function isGuardrailTripwire(err: unknown): boolean {
  return err instanceof InputGuardrailTripwireTriggered || err instanceof OutputGuardrailTripwireTriggered;
}

/** Where a chaining app keeps the last Responses id: the thread's server-side metadata. */
export const PREVIOUS_RESPONSE_KEY = 'previous_response_id';

/**
 * The agent with every function tool guarded: before a tool runs, the attempt checks it still owns
 * the run. A worker frozen past its lock and woken after another attempt took the run over (and
 * ran the tool, or is continuing the response that called it) would otherwise run it a second time;
 * it stops instead. Only the agent's own tools (not those of agents it hands off to).
 */
function ownedToolsAgent(agent: ChatAgent, owns: () => Promise<boolean>): ChatAgent {
  // Nothing to guard: no copy of the agent on every run.
  if (!agent.tools.some((t) => t.type === 'function')) return agent;
  const guard = defineToolInputGuardrail({
    name: 'switchyard_run_owner',
    run: async () => ({ behavior: (await owns()) ? { type: 'allow' } : { type: 'throwException' } }),
  });
  const tools = agent.tools.map((t) => (t.type === 'function' ? { ...t, inputGuardrails: [...(t.inputGuardrails ?? []), guard] } : t));
  return (agent as Agent).clone({ tools: tools as Agent['tools'] });
}

/** The state a ModelResponseEvent carries for this responder (docs/resume.md). */
interface ResumeState {
  runState: string;
  converter: ConverterSnapshot;
}

/** An id for an item made from a Responses output item: the same in every attempt of the run. */
function stableIdFor(runId: string) {
  return (prefix: string, responsesItemId: string) =>
    `${prefix}_${createHash('sha256').update(`${runId}\n${responsesItemId}`).digest('hex').slice(0, 16)}`;
}

export function agentResponder(opts: AgentResponderOptions): (args: RespondArgs) => AsyncIterable<ResponseEvent> {
  return async function* respond(args: RespondArgs): AsyncGenerator<ResponseEvent> {
    const queue = new AsyncQueue<ResponseEvent>();
    // Background mode: the run's responses can be continued by a later attempt (docs/resume.md).
    const resumable = opts.providers.background && args.context.runId !== undefined;
    if (args.resume && !resumable) throw new ResumeUnavailable('background mode is off (MODEL_BACKGROUND)');
    const resume = args.resume ? (JSON.parse(args.resume.state) as ResumeState) : null;
    const converter = new ResponseStreamConverter(
      {
        event: (e) => queue.push(e),
        textDelta: (itemId, contentIndex, delta) =>
          queue.push({
            type: 'thread.item.updated',
            item_id: itemId,
            update: { type: 'assistant_message.content_part.text_delta', content_index: contentIndex, delta },
          }),
        imageFrame: (f) => queue.push({ type: 'switchyard.image_frame', ...f }),
      },
      {
        threadId: args.thread.id,
        partialImages: opts.partialImages,
        newId: args.newId,
        ...(resumable ? { stableId: stableIdFor(args.context.runId!) } : {}),
        ...(opts.convertAnnotation ? { convertAnnotation: opts.convertAnnotation } : {}),
      },
    );
    // Chaining: the provider keeps the conversation; only the new user message is sent. A
    // continuation without a user message (tool output, structured input) sends the full history.
    const previous = opts.chainResponses && args.input ? args.thread.metadata[PREVIOUS_RESPONSE_KEY] : undefined;
    const chained = typeof previous === 'string';
    let input: Awaited<ReturnType<typeof threadItemsToAgentInput>> = [];
    if (resume) {
      // The thread now holds what the earlier attempt saved: the run state has the input it sent.
      converter.restore(resume.converter);
    } else {
      const history = await args.items.loadItems(opts.maxHistoryItems ?? 400);
      const continued = workflowToContinue(history);
      if (continued) converter.continueWorkflow(continued);
      input = await threadItemsToAgentInput(chained ? [args.input!] : history, {
        imageInput: (item) => opts.imageInput(args, item),
        ...(opts.attachmentInput ? { attachmentInput: (a) => opts.attachmentInput!(args, a) } : {}),
        ...(opts.tagInput ? { tagInput: (t) => opts.tagInput!(args, t) } : {}),
        ...(opts.conversions ? { conversions: opts.conversions } : {}),
      });
    }
    const session = new ModelSession();
    let finished = false;
    const chosen = typeof opts.agent === 'function' ? opts.agent(args) : opts.agent;
    const agent = args.owns ? ownedToolsAgent(chosen, args.owns) : chosen;
    const context = new AgentChatContext(args, converter);
    const lease = await opts.providers.lease();
    const running = (async () => {
      try {
        const outcome = await agentRunner({
          agent,
          input,
          provider: lease.provider,
          converter,
          context,
          signal: args.signal,
          maxTurns: opts.maxTurns ?? 10,
          session,
          ...(chained ? { previousResponseId: previous } : {}),
          ...(resume ? { resume: { runState: resume.runState, responseId: args.resume!.responseId } } : {}),
          ...(resumable
            ? {
                onModelResponse: (responseId: string | null, runState: string) =>
                  queue.push({
                    type: 'switchyard.model_response',
                    responseId,
                    state: JSON.stringify({ runState, converter: converter.snapshot() } satisfies ResumeState),
                  }),
              }
            : {}),
        });
        // Server-side only: thread metadata never reaches the client (it is sent as {}).
        if (opts.chainResponses && outcome.lastResponseId) {
          args.thread.metadata = { ...args.thread.metadata, [PREVIOUS_RESPONSE_KEY]: outcome.lastResponseId };
        }
        // docs/protocol.md §7.6, in the reference's order: the open workflow is stored, then the client tool call ends the turn.
        const open = converter.takeOpenWorkflow();
        if (open && opts.persistItem) await opts.persistItem(args, open);
        else if (open) queue.push({ type: 'thread.item.done', item: open });
        if (context.clientToolCall) queue.push({ type: 'thread.item.done', item: converter.clientToolCallItem(context.clientToolCall) });
        if (opts.title && !args.thread.title && args.input) {
          args.thread.title = await titleFor(opts.title.agent, lease.provider, args.input, args.signal);
        }
        finished = true;
        queue.close();
      } catch (err) {
        if (session.resumeFailed) {
          queue.fail(new ResumeUnavailable(session.resumeFailed));
          return;
        }
        // docs/protocol.md §7.7: events already queued still go out, then every produced item is taken back; the
        // pipeline turns the rethrown tripwire into a `stream.error` and the user message stays.
        if (isGuardrailTripwire(err)) for (const e of converter.removalEvents()) queue.push(e);
        queue.fail(err);
      } finally {
        lease.release();
        // A cancelled or failed run leaves no response running upstream; one handed to another
        // attempt keeps them, for that attempt to continue.
        // (An aborted Agents SDK run can end without an error: the signal says it was stopped.)
        if (opts.providers.background && (!finished || args.signal.aborted) && !args.abandoned?.()) {
          await Promise.all(session.unfinished().map((id) => opts.providers.cancelResponse(id).catch(() => undefined)));
        }
      }
    })();
    try {
      yield* queue;
    } finally {
      await running;
    }
  };
}

/** A short title from the first user message (docs/protocol.md §6.8: awaited so the update is streamed). */
async function titleFor(agent: Agent, provider: ModelProvider, input: UserMessageItem, signal: AbortSignal): Promise<string> {
  const text = input.content.map((c) => c.text).join('');
  const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
  const result = await runner.run(agent, `Write a title of at most six words for a conversation that starts with:\n${text}`, {
    signal,
    maxTurns: 1,
  });
  const title = String(result.finalOutput ?? '')
    .trim()
    .replace(/^["']|["']$/g, '');
  return title.length > 80 ? `${title.slice(0, 77)}...` : title || 'New conversation';
}
