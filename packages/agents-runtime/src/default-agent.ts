// The built-in app used when no SWITCHYARD_APP module is configured: a concise assistant that can
// draw, with the hosted image_generation tool streaming `partial_images` previews.
import { Agent } from '@openai/agents';
import { imageGenerationTool } from '@openai/agents-openai';
import { defineApp, type AppRuntime, type SwitchyardApp } from '@switchyard/app-api';
import type { GeneratedImageItem, ThreadItem } from '@switchyard/protocol';
import { agentResponder } from './agent-responder.ts';
import type { ModelProviderPool } from './model-provider.ts';
import type { ThreadInputOptions } from './thread-input.ts';

/** What the generation worker provides to agent apps through `AppRuntime.services`. */
export interface AgentAppServices {
  providers: ModelProviderPool;
  model: string;
  partialImages: number;
  imageInput(owner: string, threadId: string, item: GeneratedImageItem): Promise<string | null>;
  attachmentInput?(owner: string): NonNullable<ThreadInputOptions['attachmentInput']>;
  /**
   * Upserts an item without an event (a workflow left open at the end of a run, PROTOCOL §7.6).
   * Without it agent apps send that workflow as `thread.item.done`.
   */
  persistItem?(owner: string, threadId: string, item: ThreadItem): Promise<void>;
}

/** The agent services, or null in processes that do not run models (the gateway). */
export function agentServicesOf(runtime: AppRuntime): AgentAppServices | null {
  const s = runtime.services as Partial<AgentAppServices>;
  return s.providers && s.imageInput ? (s as AgentAppServices) : null;
}

export function createDefaultAgent(opts: { model: string; partialImages: number }): Agent {
  return new Agent({
    name: 'Switchyard assistant',
    instructions: 'You are a concise, friendly assistant. When the user asks for a picture, use the image generation tool.',
    model: opts.model,
    tools: [imageGenerationTool({ partialImages: opts.partialImages, outputFormat: 'png' })],
  });
}

const notInThisProcess = (): AsyncIterable<never> => ({
  [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('respond runs in the generation worker')) }),
});

export const defaultApp = defineApp((runtime): SwitchyardApp => {
  const services = agentServicesOf(runtime);
  if (!services) return { name: 'switchyard-default', respond: notInThisProcess };
  const agent = createDefaultAgent({ model: services.model, partialImages: services.partialImages });
  return {
    name: 'switchyard-default',
    respond: agentResponder({
      agent,
      providers: services.providers,
      partialImages: services.partialImages,
      chainResponses: runtime.env.CHAIN_RESPONSES === 'true',
      imageInput: (args, item) => services.imageInput(args.context.owner, args.thread.id, item),
      ...(services.attachmentInput ? { attachmentInput: (args, a) => services.attachmentInput!(args.context.owner)(a) } : {}),
      ...(services.persistItem ? { persistItem: (args, item) => services.persistItem!(args.context.owner, args.thread.id, item) } : {}),
    }),
  };
});
