// Generation worker process: takes `runs` jobs (RunPlans) and runs the configured app (SWITCHYARD_APP,
// the built-in agent app by default) on the Responses API over HTTP or WebSocket, streaming ChatKit
// events into each run's log. Wiring only: a run's life is @switchyard/chatkit-server's. Drains on SIGTERM.
import { createModelProviderPool, type AgentAppServices } from '@switchyard/agents-runtime';
import { loadAppFactory } from '@switchyard/app-api';
import { attachmentToModelInput, type AttachmentDeps } from '@switchyard/attachments';
import { endAbandonedRun, processRun, readRunPlan } from '@switchyard/chatkit-server';
import { loadConfig, publicBaseUrl } from '@switchyard/config';
import { createLogger } from '@switchyard/logging';
import {
  createQueue,
  createQueueEvents,
  createWorker,
  IMAGE_INGEST_QUEUE,
  jobSpanAttributes,
  RUNS_QUEUE,
  type ImageIngestJobData,
  type ImageIngestResult,
} from '@switchyard/queues';
import { createRedis } from '@switchyard/redis-connection';
import { RunControl } from '@switchyard/run-log';
import { Limits } from '@switchyard/limits';
import {
  createMetrics,
  instrumentFetch,
  observeWorker,
  recordModelRequest,
  recordModelUsage,
  secondsSince,
  startMetricsServer,
} from '@switchyard/metrics';
import { ActiveJobs, startSnapshotPublisher } from '@switchyard/ops-snapshots';
import { dependencyChecks, drainWorker, onShutdown, openDependencies, SHUTDOWN_GRACE_MS, startHealthServer } from '@switchyard/service-kit';
import { contextFromCarrier, initTracing, inSpan, SpanKind } from '@switchyard/tracing';
import { WaitingError, type Job, type Worker } from 'bullmq';

const cfg = loadConfig();
const tracing = initTracing({ service: 'generation-worker' });
const logger = createLogger('generation-worker', { level: cfg.LOG_LEVEL });
if (!cfg.OPENAI_API_KEY) throw new Error('OPENAI_API_KEY is required (npm start sets a placeholder for the embedded model)');
const deps = await openDependencies(cfg, 'generation-worker');
const control = new RunControl(
  deps.redis,
  createRedis(cfg.REDIS_URL, { name: 'generation-worker:control', outageWindowMs: cfg.REDIS_OUTAGE_WINDOW_MS }),
);
const metrics = createMetrics('generation-worker');
const activeJobs = new ActiveJobs();
const limits = new Limits(deps.redis, {
  requestsPerMinute: 0,
  concurrentRunsPerUser: cfg.MAX_CONCURRENT_RUNS_PER_USER,
  leaseMs: cfg.RUN_LEASE_MS,
});
const queueConn = { redisUrl: cfg.REDIS_URL };
const ingestQueue = createQueue<ImageIngestJobData, ImageIngestResult>(IMAGE_INGEST_QUEUE, queueConn);
const ingestEvents = createQueueEvents(IMAGE_INGEST_QUEUE, queueConn);
await ingestEvents.waitUntilReady();
const providers = createModelProviderPool({
  apiKey: cfg.OPENAI_API_KEY,
  ...(cfg.OPENAI_BASE_URL ? { baseURL: cfg.OPENAI_BASE_URL } : {}),
  transport: cfg.MODEL_TRANSPORT,
  background: cfg.MODEL_BACKGROUND === 'true',
  concurrency: cfg.WORKER_CONCURRENCY,
  // HTTP model calls are counted by status (429s included) at the fetch the `openai` client uses.
  fetch: instrumentFetch(metrics.model),
  retry: {
    onRetry: (info) => {
      metrics.model.retries.inc();
      logger.warn(info, 'model call retried before any output');
    },
    onModelCall: (call) => {
      // HTTP attempts are counted at the fetch (every attempt, the client's own retries included).
      if (call.transport === 'websocket') recordModelRequest(metrics.model, 'websocket', call.status);
      recordModelUsage(metrics.model, call.usage);
    },
  },
});

const attachmentDeps: AttachmentDeps = {
  store: deps.store,
  blob: deps.blob,
  publicBaseUrl: publicBaseUrl(cfg),
  maxUploadBytes: cfg.MAX_UPLOAD_BYTES,
  urlTtlSeconds: 600,
  // Model input only reads bytes and signs URLs; upload tokens are the gateway's business.
  uploadTokenSecret: cfg.UPLOAD_TOKEN_SECRET ?? cfg.FILE_URL_SECRET ?? '',
};
const services: AgentAppServices = {
  attachmentInput: (owner) => (a) => attachmentToModelInput(attachmentDeps, owner, a, cfg.MODEL_IMAGE_INPUT),
  providers,
  model: cfg.MODEL,
  partialImages: cfg.IMAGE_PARTIAL_IMAGES,
  async imageInput(owner, threadId, item) {
    const ref = await deps.store.loadItemBlob(owner, threadId, item.id);
    if (!ref) return item.image?.url ?? null;
    if (cfg.MODEL_IMAGE_INPUT === 'signed_url') return deps.blob.signedUrl(ref.name, { expiresInSeconds: 600 });
    const bytes = await deps.blob.get(ref.name);
    return `data:${ref.contentType};base64,${bytes.toString('base64')}`;
  },
};
const factory = await loadAppFactory(cfg.SWITCHYARD_APP, import.meta.url);
const app = await factory({ role: 'generation-worker', env: process.env, services: { ...services } });

const runDeps = (job: Job) => ({
  app,
  runLog: deps.runLog,
  control,
  store: deps.store,
  limits,
  images: {
    redis: deps.redis,
    queue: ingestQueue,
    queueEvents: ingestEvents,
    bytesTtlSeconds: cfg.IMAGE_BYTES_TTL_SECONDS,
    timeoutMs: cfg.INGEST_TIMEOUT_MS,
    onIngested: (seconds: number) => metrics.images.ingestLatency.observe(seconds),
  },
  partialImages: cfg.IMAGE_PARTIAL_IMAGES,
  logger: logger.child({ jobId: job.id }),
  // A 429 pauses this worker's queue for the provider's retry-after (BullMQ rate limit).
  onUpstreamRateLimited: (ms: number) => worker.rateLimit(ms),
  onTakeOver: (path: 'resumed' | 'regenerated') => metrics.chat.takeOvers.inc({ path }),
});

async function run(job: Job<unknown>, token: string | undefined, signal: AbortSignal | undefined): Promise<string> {
  const d = runDeps(job);
  const plan = await readRunPlan(d, job.data);
  // The run continues the trace of the request that enqueued it (trace context in the plan).
  return inSpan(
    'process runs',
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromCarrier(plan.trace),
      attributes: { ...jobSpanAttributes(RUNS_QUEUE, job.id, plan), 'messaging.bullmq.attempt': job.attemptsStarted },
    },
    async (span) => {
      const result = await processRun(d, plan, { ...(signal ? { signal } : {}), ...(token ? { attempt: token } : {}) });
      span.setAttribute('switchyard.run_outcome', result);
      if (result === 'handed-off') {
        // Back to the queue with the lock released: another worker takes it over now, not after a stall.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // A run that ended elsewhere (taken over, already ended) is measured by the attempt that ran it.
      if (result === 'completed' || result === 'cancelled' || result === 'failed')
        metrics.chat.runDuration.observe({ outcome: result }, secondsSince(plan.enqueuedAt));
      return result;
    },
  );
}

const worker: Worker<unknown, string> = createWorker<unknown, string>(
  RUNS_QUEUE,
  queueConn,
  activeJobs.wrap((job, token, signal) => run(job, token, signal)),
  // Stall detection: a job whose worker stops renewing its lock for WORKER_LOCK_MS is handed to
  // another worker within about WORKER_LOCK_MS + WORKER_STALLED_INTERVAL_MS.
  {
    concurrency: cfg.WORKER_CONCURRENCY,
    lockDurationMs: cfg.WORKER_LOCK_MS,
    stalledIntervalMs: cfg.WORKER_STALLED_INTERVAL_MS,
    maxStalledCount: 2,
  },
);
worker.on('error', (err) => logger.error({ err }, 'worker error'));
observeWorker(worker, metrics, RUNS_QUEUE);

// Every run ends: a job that failed for good (its attempt could not claim the run, it stalled a third
// time, something threw past processRun's own ending) ends its run with one error event and gives
// back its reservation. Stall-outs are decided by whichever worker's stall check runs, so every
// worker listens to the queue's events; ending is idempotent (an ended log refuses the second end).
const runEvents = createQueueEvents(RUNS_QUEUE, queueConn);
runEvents.on('failed', ({ jobId, failedReason }) => {
  // No attempt will continue the run's model response: stop it upstream (docs/resume.md).
  if (providers.background) {
    void deps.runLog
      .resumePoint(jobId)
      .then((point) => (point?.responseId ? providers.cancelResponse(point.responseId) : undefined))
      .catch((err: unknown) => logger.warn({ err, runId: jobId }, 'could not cancel the model response of a failed run'));
  }
  void endAbandonedRun({ runLog: deps.runLog, limits, store: deps.store }, jobId, `job failed: ${failedReason}`)
    .then((r) => {
      if (r === 'ended') logger.warn({ runId: jobId, failedReason }, 'run job failed for good; ended its run');
    })
    .catch((err: unknown) => logger.error({ err, runId: jobId }, 'could not end the run of a failed job'));
});
await runEvents.waitUntilReady();
if (cfg.METRICS_PORT) await startMetricsServer(cfg.METRICS_PORT, metrics.registry);
await worker.waitUntilReady();
const opsSnapshots = startSnapshotPublisher({
  redis: deps.redis,
  registry: metrics.registry,
  component: 'generation-worker',
  intervalMs: cfg.OPS_SNAPSHOT_INTERVAL_MS,
  load: () => ({ queue: RUNS_QUEUE, active: activeJobs.count, concurrency: cfg.WORKER_CONCURRENCY }),
  onError: (err) => logger.debug({ err }, 'ops snapshot not published'),
});
if (providers.background && cfg.MODEL_TRANSPORT === 'websocket') {
  logger.warn('MODEL_BACKGROUND=true: model calls use HTTP (the Responses WebSocket mode has no background responses)');
}
logger.info(
  {
    app: app.name,
    transport: providers.transport,
    background: providers.background,
    concurrency: cfg.WORKER_CONCURRENCY,
    model: cfg.MODEL,
  },
  'generation worker ready',
);

if (cfg.HEALTH_PORT) startHealthServer(cfg.HEALTH_PORT, dependencyChecks(deps), logger);

onShutdown(logger, SHUTDOWN_GRACE_MS, async () => {
  // Past the drain time the runs still going are handed off (processRun's signal), not left to stall.
  // In background mode the next worker continues their model responses, so they are handed off at once.
  const drainMs = providers.background ? 0 : cfg.WORKER_DRAIN_MS;
  await drainWorker(worker, drainMs, logger, () => worker.cancelAllJobs('drain time over'));
  await runEvents.close();
  await opsSnapshots.stop();
  await ingestEvents.close();
  await ingestQueue.close();
  await providers.close();
  await deps.close();
  await tracing.shutdown();
});
