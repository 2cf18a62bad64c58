export * from './response-stream-converter.ts';
export * from './thread-input.ts';
export * from './model-provider.ts';
export * from './agent-run.ts';
export * from './default-agent.ts';
export * from './agent-responder.ts';
export * from './async-queue.ts';
export * from './chat-context.ts';
