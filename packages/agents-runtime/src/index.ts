// @switchyard/agents-runtime: apps built on the Agents SDK — model providers (HTTP or WebSocket),
// the Responses→ChatKit mapping, thread→model input, the agent responder and the built-in agent.
export {
  type ChatKitEmitter,
  type ClientToolCallRequest,
  convertAnnotation,
  type ConverterOptions,
  dataUrlImage,
  type ImageFrame,
  type ResponsesAnnotation,
  ResponseStreamConverter,
  workflowToContinue,
} from './response-stream-converter.ts';
export {
  GENERATED_IMAGE_PREFACE,
  type ItemConversion,
  type ItemConversions,
  TAG_CONTEXT_PREFACE,
  type ThreadInputOptions,
  threadItemsToAgentInput,
} from './thread-input.ts';
export {
  createModelProviderPool,
  type ModelProviderConfig,
  type ModelProviderPool,
  type ModelTransport,
  type ProviderLease,
} from './model-provider.ts';
export { type AgentRunArgs, agentRunner, type AgentRunOutcome, needsNoFollowUp } from './agent-run.ts';
export { createDefaultAgent } from './default-agent.ts';
export {
  agentResponder,
  type AgentResponderOptions,
  type ChatAgent,
  isGuardrailTripwire,
  PREVIOUS_RESPONSE_KEY,
} from './agent-responder.ts';
export { type AgentAppServices, agentServicesOf, respondsOnlyInWorkers } from './app-services.ts';
export { AsyncQueue } from './async-queue.ts';
export { AgentChatContext } from './chat-context.ts';
export { type UpstreamFailure, UpstreamModelError, UpstreamModelRateLimited } from './errors.ts';
export { RetryingModel, RetryingModelProvider, type UpstreamRetryOptions } from './upstream-retry.ts';
export { accumulateText, type TextWidget } from './widget-text.ts';
export { ModelCall, type ModelCallObserver, type ModelCallReport } from './model-call.ts';
export { openAITranscriber, type OpenAITranscriberOptions, transcriberFromEnv } from './transcription.ts';
