// Gateway process: loads config, opens Redis/MongoDB/blob, serves HTTP, drains on SIGTERM.
import { loadConfig, devIdentityEnabled } from '@switchyard/config';
import { createLogger } from '@switchyard/logging';
import { createQueue, IMAGE_INGEST_QUEUE, RUNS_QUEUE, type RunJobData } from '@switchyard/queues';
import { createRedis } from '@switchyard/redis-connection';
import { RunLogSubscriber } from '@switchyard/run-log';
import { dependencyChecks, onShutdown, openDependencies } from '@switchyard/service-kit';
import { createGatewayApp } from './app.ts';

const cfg = loadConfig();
const logger = createLogger('gateway', { level: cfg.LOG_LEVEL });
const deps = await openDependencies(cfg, 'gateway');
const sub = createRedis(cfg.REDIS_URL, { name: 'gateway:subscriber' });
const subscriber = new RunLogSubscriber(deps.runLog, sub);
const runsQueue = createQueue<RunJobData>(RUNS_QUEUE, { redisUrl: cfg.REDIS_URL });
const ingestQueue = createQueue(IMAGE_INGEST_QUEUE, { redisUrl: cfg.REDIS_URL });

const workersPresent = (queue: typeof runsQueue | typeof ingestQueue, label: string) => async () => {
  const n = await queue.getWorkersCount();
  if (n === 0) throw new Error(`no ${label} worker connected`);
};

const app = createGatewayApp({
  store: deps.store,
  runLog: deps.runLog,
  subscriber,
  runsQueue,
  logger,
  identity: { devIdentity: devIdentityEnabled(cfg) },
  bodyLimitBytes: cfg.BODY_LIMIT_BYTES,
  heartbeatMs: cfg.SSE_HEARTBEAT_MS,
  ...(cfg.BLOB_DRIVER === 'local' ? { localFiles: { root: cfg.BLOB_LOCAL_ROOT, signingSecret: cfg.FILE_URL_SECRET! } } : {}),
  readiness: {
    ...dependencyChecks(deps),
    generationWorkers: workersPresent(runsQueue, 'generation'),
    ingestWorkers: workersPresent(ingestQueue, 'image-ingest'),
  },
});

const server = app.listen(cfg.PORT, cfg.HOST, () => {
  logger.info({ port: cfg.PORT, host: cfg.HOST }, 'gateway listening');
});

onShutdown(logger, 25_000, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runsQueue.close();
  await ingestQueue.close();
  sub.disconnect();
  await deps.close();
});
