// What the generation worker hands agent apps through `AppRuntime.services`, and the check an app
// makes to know whether it runs where models run. Types only: loading it loads no model SDK.
import type { AppRuntime } from '@switchyard/app-api';
import type { GeneratedImageItem } from '@switchyard/protocol';
import type { ModelProviderPool } from './model-provider.ts';
import type { ThreadInputOptions } from './thread-input.ts';

export interface AgentAppServices {
  providers: ModelProviderPool;
  model: string;
  partialImages: number;
  imageInput(owner: string, threadId: string, item: GeneratedImageItem): Promise<string | null>;
  attachmentInput?(owner: string): NonNullable<ThreadInputOptions['attachmentInput']>;
}

/** The agent services, or null in processes that do not run models (the gateway). */
export function agentServicesOf(runtime: AppRuntime): AgentAppServices | null {
  const s = runtime.services as Partial<AgentAppServices>;
  return s.providers && s.imageInput ? (s as AgentAppServices) : null;
}

/** A `respond` for processes that do not run models: the gateway never calls it. */
export const respondsOnlyInWorkers = (): AsyncIterable<never> => ({
  [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('respond runs in the generation worker')) }),
});
