// Image-ingest worker process: validates generated image frames, stores them in the blob store,
// patches MongoDB and appends the image events to the run log. Drains on SIGTERM.
import { loadConfig } from '@switchyard/config';
import { processIngest } from '@switchyard/image-ingest';
import { createLogger } from '@switchyard/logging';
import { createWorker, IMAGE_INGEST_QUEUE, type ImageIngestJobData, type ImageIngestResult } from '@switchyard/queues';
import { createMetrics, observeWorker, startMetricsServer } from '@switchyard/metrics';
import { dependencyChecks, drainWorker, onShutdown, openDependencies, startHealthServer } from '@switchyard/service-kit';

const cfg = loadConfig();
const logger = createLogger('image-ingest-worker', { level: cfg.LOG_LEVEL });
const deps = await openDependencies(cfg, 'image-ingest-worker');
const metrics = createMetrics('image-ingest-worker');

const worker = createWorker<ImageIngestJobData, ImageIngestResult>(
  IMAGE_INGEST_QUEUE,
  { redisUrl: cfg.REDIS_URL },
  async (job) => {
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
          logger.warn({ runId: job.data.runId, jobId: job.id, reason }, 'image rejected');
        },
      },
      job.data,
    );
    metrics.images.bytesStored.inc(result.bytes);
    logger.info({ runId: job.data.runId, threadId: job.data.threadId, jobId: job.id, bytes: result.bytes, partial: job.data.partialIndex }, 'image ingested');
    return result;
  },
  { concurrency: cfg.INGEST_CONCURRENCY },
);
worker.on('error', (err) => logger.error({ err }, 'worker error'));
observeWorker(worker, metrics, IMAGE_INGEST_QUEUE);
if (cfg.METRICS_PORT) await startMetricsServer(cfg.METRICS_PORT, metrics.registry);
await worker.waitUntilReady();
logger.info({ concurrency: cfg.INGEST_CONCURRENCY }, 'image-ingest worker ready');

if (cfg.HEALTH_PORT) startHealthServer(cfg.HEALTH_PORT, dependencyChecks(deps), logger);

onShutdown(logger, 25_000, async () => {
  await drainWorker(worker, cfg.WORKER_DRAIN_MS, logger);
  await deps.close();
});
