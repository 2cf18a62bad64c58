// Image-ingest worker process: validates generated image frames, stores them in the blob store,
// patches MongoDB and appends the image events to the run log. Drains on SIGTERM.
import { loadConfig } from '@switchyard/config';
import { processIngest } from '@switchyard/image-ingest';
import { createLogger } from '@switchyard/logging';
import { createWorker, IMAGE_INGEST_QUEUE, jobSpanAttributes, type ImageIngestJobData, type ImageIngestResult } from '@switchyard/queues';
import { createMetrics, observeWorker, startMetricsServer } from '@switchyard/metrics';
import { ActiveJobs, startSnapshotPublisher } from '@switchyard/ops-snapshots';
import { dependencyChecks, drainWorker, onShutdown, openDependencies, SHUTDOWN_GRACE_MS, startHealthServer } from '@switchyard/service-kit';
import { contextFromCarrier, initTracing, inSpan, SpanKind, type Span } from '@switchyard/tracing';
import type { Job } from 'bullmq';

const cfg = loadConfig();
const tracing = initTracing({ service: 'image-ingest-worker' });
const logger = createLogger('image-ingest-worker', { level: cfg.LOG_LEVEL });
const deps = await openDependencies(cfg, 'image-ingest-worker');
const metrics = createMetrics('image-ingest-worker');
const activeJobs = new ActiveJobs();

async function ingest(job: Job<ImageIngestJobData>, span: Span): Promise<ImageIngestResult> {
  const log = logger.child({ runId: job.data.runId, threadId: job.data.threadId, jobId: job.id });
  const result = await processIngest(
    {
      redis: deps.redis,
      runLog: deps.runLog,
      store: deps.store,
      blob: deps.blob,
      limits: { maxBytes: cfg.IMAGE_MAX_BYTES, maxPixels: cfg.IMAGE_MAX_PIXELS },
      urlTtlSeconds: cfg.SIGNED_URL_TTL_SECONDS,
      onRejected: (reason) => {
        metrics.images.rejects.inc({ reason });
        log.warn({ reason }, 'image rejected');
      },
    },
    job.data,
  );
  metrics.images.bytesStored.inc(result.bytes);
  span.setAttribute('switchyard.image_bytes', result.bytes);
  log.info({ bytes: result.bytes, partial: job.data.partialIndex }, 'image ingested');
  return result;
}

const worker = createWorker<ImageIngestJobData, ImageIngestResult>(
  IMAGE_INGEST_QUEUE,
  { redisUrl: cfg.REDIS_URL },
  // Each frame continues the trace of the run that produced it (trace context in the job data).
  activeJobs.wrap((job) =>
    inSpan(
      'process image-ingest',
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier(job.data.trace),
        attributes: {
          ...jobSpanAttributes(IMAGE_INGEST_QUEUE, job.id, job.data),
          'switchyard.image_id': job.data.imageId,
          'switchyard.partial_index': job.data.partialIndex ?? -1,
        },
      },
      (span) => ingest(job, span),
    ),
  ),
  // The same stall detection as the generation workers: a frame whose ingest worker died is taken
  // over within about WORKER_LOCK_MS + WORKER_STALLED_INTERVAL_MS, while its run still waits for it.
  {
    concurrency: cfg.INGEST_CONCURRENCY,
    lockDurationMs: cfg.WORKER_LOCK_MS,
    stalledIntervalMs: cfg.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: 2,
  },
);
worker.on('error', (err) => logger.error({ err }, 'worker error'));
observeWorker(worker, metrics, IMAGE_INGEST_QUEUE);
if (cfg.METRICS_PORT) await startMetricsServer(cfg.METRICS_PORT, metrics.registry);
await worker.waitUntilReady();
const opsSnapshots = startSnapshotPublisher({
  redis: deps.redis,
  registry: metrics.registry,
  component: 'image-ingest-worker',
  intervalMs: cfg.OPS_SNAPSHOT_INTERVAL_MS,
  load: () => ({ queue: IMAGE_INGEST_QUEUE, active: activeJobs.count, concurrency: cfg.INGEST_CONCURRENCY }),
  onError: (err) => logger.debug({ err }, 'ops snapshot not published'),
});
logger.info({ concurrency: cfg.INGEST_CONCURRENCY }, 'image-ingest worker ready');

if (cfg.HEALTH_PORT) startHealthServer(cfg.HEALTH_PORT, dependencyChecks(deps), logger);

onShutdown(logger, SHUTDOWN_GRACE_MS, async () => {
  await drainWorker(worker, cfg.WORKER_DRAIN_MS, logger);
  await opsSnapshots.stop();
  await deps.close();
  await tracing.shutdown();
});
