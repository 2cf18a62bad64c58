// `respond` for apps built on an Agents SDK agent: converts the stored thread to model input, runs
// the agent on a leased provider, and yields the mapped ChatKit events (image frames included) to
// the response pipeline as they arrive.
import type { Agent } from '@openai/agents';
import type { RespondArgs, ResponseEvent } from '@switchyard/app-api';
import type { GeneratedImageItem } from '@switchyard/protocol';
import { agentRunner } from './agent-run.ts';
import { AsyncQueue } from './async-queue.ts';
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
    const lease = await opts.providers.lease();
    const running = agentRunner({ agent, input, provider: lease.provider, converter, signal: args.signal, maxTurns: opts.maxTurns ?? 10 })
      .then(
        () => queue.close(),
        (err: unknown) => queue.fail(err),
      )
      .finally(() => lease.release());
    try {
      yield* queue;
    } finally {
      await running;
    }
  };
}
