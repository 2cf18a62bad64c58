// Generation worker process: takes `runs` jobs, runs the agent on the Responses API (HTTP or
// WebSocket transport), streams ChatKit events into each run's log. Drains on SIGTERM.
import { createDefaultAgent, createModelProviderPool } from '@switchyard/agents-runtime';
import { loadConfig } from '@switchyard/config';
import { processRun } from '@switchyard/generation';
import { createLogger } from '@switchyard/logging';
import {
  createQueue,
  createQueueEvents,
  createWorker,
  IMAGE_INGEST_QUEUE,
  RUNS_QUEUE,
  type ImageIngestJobData,
  type ImageIngestResult,
  type RunJobData,
} from '@switchyard/queues';
import { dependencyChecks, onShutdown, openDependencies, startHealthServer } from '@switchyard/service-kit';

const cfg = loadConfig();
const logger = createLogger('generation-worker', { level: cfg.LOG_LEVEL });
if (!cfg.OPENAI_API_KEY) throw new Error('OPENAI_API_KEY is required (npm start sets a placeholder for the embedded model)');
const deps = await openDependencies(cfg, 'generation-worker');
const queueConn = { redisUrl: cfg.REDIS_URL };
const ingestQueue = createQueue<ImageIngestJobData, ImageIngestResult>(IMAGE_INGEST_QUEUE, queueConn);
const ingestEvents = createQueueEvents(IMAGE_INGEST_QUEUE, queueConn);
await ingestEvents.waitUntilReady();
const providers = createModelProviderPool({
  apiKey: cfg.OPENAI_API_KEY,
  ...(cfg.OPENAI_BASE_URL ? { baseURL: cfg.OPENAI_BASE_URL } : {}),
  transport: cfg.MODEL_TRANSPORT,
  concurrency: cfg.WORKER_CONCURRENCY,
});
const agent = createDefaultAgent({ model: cfg.MODEL, partialImages: cfg.IMAGE_PARTIAL_IMAGES });

const worker = createWorker<RunJobData, string>(
  RUNS_QUEUE,
  queueConn,
  async (job, _token, signal) =>
    processRun(
      {
        runLog: deps.runLog,
        store: deps.store,
        blob: deps.blob,
        images: {
          redis: deps.redis,
          queue: ingestQueue,
          queueEvents: ingestEvents,
          bytesTtlSeconds: cfg.IMAGE_BYTES_TTL_SECONDS,
          timeoutMs: cfg.INGEST_TIMEOUT_MS,
        },
        providers,
        agent,
        partialImages: cfg.IMAGE_PARTIAL_IMAGES,
        modelImageInput: cfg.MODEL_IMAGE_INPUT,
        logger: logger.child({ jobId: job.id }),
      },
      job.data,
      signal,
    ),
  { concurrency: cfg.WORKER_CONCURRENCY },
);
worker.on('error', (err) => logger.error({ err }, 'worker error'));
await worker.waitUntilReady();
logger.info({ transport: providers.transport, concurrency: cfg.WORKER_CONCURRENCY, model: cfg.MODEL }, 'generation worker ready');

if (cfg.HEALTH_PORT) startHealthServer(cfg.HEALTH_PORT, dependencyChecks(deps), logger);

onShutdown(logger, 25_000, async () => {
  await worker.close();
  await ingestEvents.close();
  await ingestQueue.close();
  await providers.close();
  await deps.close();
});
