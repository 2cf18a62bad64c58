export * from './run-log-emitter.ts';
export * from './image-handoff.ts';
export * from './response-pipeline.ts';
