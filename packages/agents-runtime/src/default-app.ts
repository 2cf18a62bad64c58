// The built-in app, used when SWITCHYARD_APP names no module of the deployer's: a concise assistant
// that can draw. Named by module (`@switchyard/agents-runtime/app`), never imported by a service; the
// Agents SDK is loaded only in the generation worker, so a gateway that loads this app stays light.
import { defineApp, type SwitchyardApp } from '@switchyard/app-api';
import { agentServicesOf, respondsOnlyInWorkers } from './app-services.ts';
import { transcriberFromEnv } from './transcription.ts';

export default defineApp(async (runtime): Promise<SwitchyardApp> => {
  const transcribe = transcriberFromEnv(runtime.env);
  const base = { name: 'switchyard-default', ...(transcribe ? { transcribe } : {}) };
  const services = agentServicesOf(runtime);
  if (!services) return { ...base, respond: respondsOnlyInWorkers };
  const { agentResponder, createDefaultAgent } = await import('./index.ts');
  return {
    ...base,
    respond: agentResponder({
      agent: createDefaultAgent({ model: services.model, partialImages: services.partialImages }),
      providers: services.providers,
      partialImages: services.partialImages,
      chainResponses: runtime.env.CHAIN_RESPONSES === 'true',
      imageInput: (args, item) => services.imageInput(args.context.owner, args.thread.id, item),
      ...(services.attachmentInput ? { attachmentInput: (args, a) => services.attachmentInput!(args.context.owner)(a) } : {}),
      // A workflow left open at the end of a turn is stored without an event, under the run's fence.
      persistItem: (args, item) => args.saveItem(item),
    }),
  };
});
