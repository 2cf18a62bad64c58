// `respond` for apps built on an Agents SDK agent: converts the stored thread to model input, runs
// the agent on a leased provider, and yields the mapped ChatKit events (image frames included) to
// the response pipeline as they arrive.
import type { Agent } from '@openai/agents';
import type { RespondArgs, ResponseEvent } from '@switchyard/app-api';
import { Runner, type ModelProvider } from '@openai/agents';
import type { GeneratedImageItem, UserMessageItem } from '@switchyard/protocol';
import { agentRunner } from './agent-run.ts';
import { AsyncQueue } from './async-queue.ts';
import { AgentChatContext } from './chat-context.ts';
import type { ModelProviderPool } from './model-provider.ts';
import { ResponseStreamConverter } from './response-stream-converter.ts';
import { threadItemsToAgentInput, type ThreadInputOptions } from './thread-input.ts';

export interface AgentResponderOptions {
  agent: Agent | ((args: RespondArgs) => Agent);
  providers: ModelProviderPool;
  partialImages: number;
  /** Resolves a stored generated image for model input (data URL or signed URL). */
  imageInput(args: RespondArgs, item: GeneratedImageItem): Promise<string | null>;
  /** Converts a user message's attachment to an input part (skipped without it). */
  attachmentInput?(args: RespondArgs, attachment: Parameters<NonNullable<ThreadInputOptions['attachmentInput']>>[0]): ReturnType<NonNullable<ThreadInputOptions['attachmentInput']>>;
  maxHistoryItems?: number;
  maxTurns?: number;
  /** Name the thread after its first answer with a short extra model call (streamed as thread.updated). */
  title?: { agent: Agent } | false;
}

export function agentResponder(opts: AgentResponderOptions): (args: RespondArgs) => AsyncIterable<ResponseEvent> {
  return async function* respond(args: RespondArgs): AsyncGenerator<ResponseEvent> {
    const queue = new AsyncQueue<ResponseEvent>();
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
      { threadId: args.thread.id, partialImages: opts.partialImages },
    );
    const history = await args.items.loadItems(opts.maxHistoryItems ?? 400);
    const input = await threadItemsToAgentInput(history, {
      imageInput: (item) => opts.imageInput(args, item),
      ...(opts.attachmentInput ? { attachmentInput: (a) => opts.attachmentInput!(args, a) } : {}),
    });
    const agent = typeof opts.agent === 'function' ? opts.agent(args) : opts.agent;
    const context = new AgentChatContext(args, queue);
    const lease = await opts.providers.lease();
    const running = (async () => {
      try {
        await agentRunner({ agent, input, provider: lease.provider, converter, context, signal: args.signal, maxTurns: opts.maxTurns ?? 10 });
        const call = context.clientToolCall;
        if (call) {
          // §7.6: the pending call reuses the function-call item's ids when the model made one.
          const made = converter.functionCalls.get(call.name);
          queue.push({
            type: 'thread.item.done',
            item: {
              id: made?.itemId ?? args.newId('tc'),
              thread_id: args.thread.id,
              created_at: new Date().toISOString(),
              type: 'client_tool_call',
              status: 'pending',
              call_id: made?.callId ?? args.newId('tc'),
              name: call.name,
              arguments: call.arguments,
            },
          });
        }
        if (opts.title && !args.thread.title && args.input) {
          args.thread.title = await titleFor(opts.title.agent, lease.provider, args.input, args.signal);
        }
        queue.close();
      } catch (err) {
        queue.fail(err);
      } finally {
        lease.release();
      }
    })();
    try {
      yield* queue;
    } finally {
      await running;
    }
  };
}

/** A short title from the first user message (PROTOCOL §6.8: awaited so the update is streamed). */
async function titleFor(agent: Agent, provider: ModelProvider, input: UserMessageItem, signal: AbortSignal): Promise<string> {
  const text = input.content.map((c) => c.text).join('');
  const runner = new Runner({ modelProvider: provider, tracingDisabled: true });
  const result = await runner.run(agent, `Write a title of at most six words for a conversation that starts with:\n${text}`, { signal, maxTurns: 1 });
  const title = String(result.finalOutput ?? '').trim().replace(/^["']|["']$/g, '');
  return title.length > 80 ? `${title.slice(0, 77)}...` : title || 'New conversation';
}
