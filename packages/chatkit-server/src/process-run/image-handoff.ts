// Hands generated image bytes to the ingest worker: decode base64 once, park the bytes under a
// short-lived run-tagged Redis key, enqueue an idempotent ingest job, and wait for it (bounded).
import type { Queue, QueueEvents } from 'bullmq';
import {
  IMAGE_INGEST_QUEUE,
  imageIngestJobId,
  jobSpanAttributes,
  type ImageIngestJobData,
  type ImageIngestResult,
} from '@switchyard/queues';
import type { RedisClient } from '@switchyard/redis-connection';
import { runKeys } from '@switchyard/run-log';
import { activeContext, currentTraceCarrier, inSpan, SpanKind } from '@switchyard/tracing';
import { ImageIngestTimeout } from '../errors.ts';

export interface ImageHandoffDeps {
  redis: RedisClient;
  queue: Queue<ImageIngestJobData, ImageIngestResult>;
  queueEvents: QueueEvents;
  bytesTtlSeconds: number;
  timeoutMs: number;
  /** Seconds from the upstream frame to its event in the run log (the image ingest latency). */
  onIngested?: (seconds: number) => void;
}

export interface ImageHandoffInput extends Omit<ImageIngestJobData, 'bytesKey'> {
  bytes: Buffer;
}

/** Starts storing the bytes now; the returned function enqueues and waits when its turn comes. */
export function prepareImageHandoff(deps: ImageHandoffDeps, input: ImageHandoffInput): () => Promise<ImageIngestResult> {
  const { bytes, ...rest } = input;
  const bytesKey = runKeys(rest.runId).imageBytes(rest.imageId, rest.partialIndex);
  const stored = deps.redis.set(bytesKey, bytes, 'EX', deps.bytesTtlSeconds);
  stored.catch(() => undefined);
  const jobId = imageIngestJobId(rest);
  // The enqueue may run later from the ordering queue: parent it on the run as it is now.
  const parent = activeContext();
  // The span covers enqueue to ingested: the handoff's whole cost as the run sees it.
  return () =>
    inSpan(
      'publish image-ingest',
      { kind: SpanKind.PRODUCER, parent, attributes: jobSpanAttributes(IMAGE_INGEST_QUEUE, jobId, rest) },
      async () => {
        await stored;
        const trace = currentTraceCarrier();
        const data: ImageIngestJobData = { ...rest, bytesKey, ...(trace ? { trace } : {}) };
        const job = await deps.queue.add('ingest', data, {
          jobId,
          attempts: 3,
          backoff: { type: 'exponential', delay: 200 },
        });
        let timer: NodeJS.Timeout | undefined;
        try {
          return await Promise.race([
            job.waitUntilFinished(deps.queueEvents) as Promise<ImageIngestResult>,
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new ImageIngestTimeout(`image ingest ${job.id} did not finish in ${deps.timeoutMs} ms`)),
                deps.timeoutMs,
              );
            }),
          ]);
        } finally {
          clearTimeout(timer);
        }
      },
    );
}
