// Queue names and their Redis prefixes. Each queue gets its own hash tag so a Redis Cluster can
// place queues on different shards while every key of one queue stays in one slot (no CROSSSLOT).

export const RUNS_QUEUE = 'runs';
export const IMAGE_INGEST_QUEUE = 'image-ingest';

export type QueueName = typeof RUNS_QUEUE | typeof IMAGE_INGEST_QUEUE;

export function queuePrefix(name: QueueName): string {
  return `{sy:${name}}`;
}
