// @switchyard/queues: Switchyard's two BullMQ queues, `runs` and `image-ingest` — their names, the
// image-ingest job's data, queue and worker construction with shared settings, and job span attributes.
export { createQueue, createQueueEvents, createWorker } from './factory.ts';
export { jobSpanAttributes } from './job-spans.ts';
export { imageIngestJobId, type ImageIngestJobData, type ImageIngestResult } from './jobs.ts';
export { IMAGE_INGEST_QUEUE, RUNS_QUEUE } from './names.ts';
