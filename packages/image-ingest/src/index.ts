// @switchyard/image-ingest: the image-ingest worker's pipeline — one generated image frame checked
// (magic bytes, dimensions, limits), stored in the blob store, persisted and appended to its run once.
export { ImageRejected } from './errors.ts';
export { validateImage } from './image-validation.ts';
export { processIngest, type IngestDeps } from './ingest-processor.ts';
