export * from './image-validation.ts';
export * from './ingest-processor.ts';
