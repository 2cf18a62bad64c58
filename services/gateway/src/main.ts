// Gateway process: loads config and the app module, opens Redis/MongoDB/blob, serves HTTP,
// drains on SIGTERM.
import { loadAppFactory } from '@switchyard/app-api';
import { SseStreams } from '@switchyard/chatkit-endpoint';
import { ChatKitServer, RunWatchdog, type RunPlan } from '@switchyard/chatkit-server';
import { Limits } from '@switchyard/limits';
import { createMetrics, startMetricsServer, watchQueues } from '@switchyard/metrics';
import { createQueueDashboard } from '@switchyard/queue-dashboard';
import { demoPageEnabled, devIdentityEnabled, loadConfig, publicBaseUrl, uploadTokenSecret } from '@switchyard/config';
import { createDemoPageRouter } from '@switchyard/demo-page';
import { createLogger } from '@switchyard/logging';
import { createOpsLive } from '@switchyard/ops-live';
import { startSnapshotPublisher } from '@switchyard/ops-snapshots';
import { createQueue, IMAGE_INGEST_QUEUE, RUNS_QUEUE } from '@switchyard/queues';
import { createRedis } from '@switchyard/redis-connection';
import { RunControl, RunLogSubscriber } from '@switchyard/run-log';
import { dependencyChecks, onShutdown, openDependencies, SHUTDOWN_GRACE_MS } from '@switchyard/service-kit';
import { initTracing } from '@switchyard/tracing';
import { createGatewayApp } from './app.ts';
import { gatewayAuthentication } from './authentication.ts';

const cfg = loadConfig();
const tracing = initTracing({ service: 'gateway' });
const logger = createLogger('gateway', { level: cfg.LOG_LEVEL });
// The app first, then who may call: a gateway that could authenticate nobody stops here, before it
// connects to anything. The app is named by module (the built-in one by default): the gateway never
// imports a model SDK itself.
const factory = await loadAppFactory(cfg.SWITCHYARD_APP, import.meta.url);
const chatApp = await factory({ role: 'gateway', env: process.env, services: {} });
const authentication = gatewayAuthentication(cfg, chatApp);
logger.info({ methods: authentication.methods }, 'authentication');
const deps = await openDependencies(cfg, 'gateway');
const sub = createRedis(cfg.REDIS_URL, { name: 'gateway:subscriber', outageWindowMs: cfg.REDIS_OUTAGE_WINDOW_MS });
const controlSub = createRedis(cfg.REDIS_URL, { name: 'gateway:control', outageWindowMs: cfg.REDIS_OUTAGE_WINDOW_MS });
const subscriber = new RunLogSubscriber(deps.runLog, sub, { outageWindowMs: cfg.REDIS_OUTAGE_WINDOW_MS });
const control = new RunControl(deps.redis, controlSub);
const runsQueue = createQueue<RunPlan>(RUNS_QUEUE, { redisUrl: cfg.REDIS_URL });
const ingestQueue = createQueue(IMAGE_INGEST_QUEUE, { redisUrl: cfg.REDIS_URL });
const metrics = createMetrics('gateway');
// Only gateways poll queue depths; every replica exports the same numbers (dashboards use max()).
const queueWatch = watchQueues(
  metrics,
  [
    { name: RUNS_QUEUE, queue: runsQueue, capacityPerWorker: Math.max(1, cfg.WORKER_CONCURRENCY) },
    { name: IMAGE_INGEST_QUEUE, queue: ingestQueue, capacityPerWorker: Math.max(1, cfg.INGEST_CONCURRENCY) },
  ],
  5_000,
  { onError: (err, queue) => logger.warn({ err, queue }, 'queue metrics poll failed') },
);
const metricsServer = cfg.METRICS_PORT ? await startMetricsServer(cfg.METRICS_PORT, metrics.registry) : null;
const opsSnapshots = startSnapshotPublisher({
  redis: deps.redis,
  registry: metrics.registry,
  component: 'gateway',
  intervalMs: cfg.OPS_SNAPSHOT_INTERVAL_MS,
  onError: (err) => logger.debug({ err }, 'ops snapshot not published'),
});
// The live operations page needs the dashboard's credentials and the snapshots it is computed from.
const opsLive =
  (cfg.OPS_VIEWER_TOKEN || cfg.OPS_OPERATOR_TOKEN) && cfg.OPS_SNAPSHOT_INTERVAL_MS > 0
    ? createOpsLive({
        redis: deps.redis,
        queues: [
          { name: RUNS_QUEUE, queue: runsQueue },
          { name: IMAGE_INGEST_QUEUE, queue: ingestQueue },
        ],
        credentials: { viewerToken: cfg.OPS_VIEWER_TOKEN, operatorToken: cfg.OPS_OPERATOR_TOKEN },
        intervalMs: cfg.OPS_SNAPSHOT_INTERVAL_MS,
        onError: (err) => logger.debug({ err }, 'ops page tick failed'),
      })
    : null;
const attachments = {
  store: deps.store,
  blob: deps.blob,
  publicBaseUrl: publicBaseUrl(cfg),
  maxUploadBytes: cfg.MAX_UPLOAD_BYTES,
  urlTtlSeconds: cfg.SIGNED_URL_TTL_SECONDS,
  uploadTokenSecret: uploadTokenSecret(cfg),
  imageLimits: { maxPixels: cfg.IMAGE_MAX_PIXELS, maxDimension: cfg.IMAGE_MAX_DIMENSION },
};
const limits = new Limits(deps.redis, {
  requestsPerMinute: cfg.RATE_LIMIT_PER_MINUTE,
  concurrentRunsPerUser: cfg.MAX_CONCURRENT_RUNS_PER_USER,
  leaseMs: cfg.RUN_LEASE_MS,
});
const chatkit = new ChatKitServer({
  store: deps.store,
  runLog: deps.runLog,
  runsQueue,
  app: chatApp,
  attachments,
  limits,
  threadBusyWaitMs: cfg.THREAD_BUSY_POLICY === 'queue' ? cfg.THREAD_QUEUE_TIMEOUT_MS : 0,
  maxAudioBytes: cfg.BODY_LIMIT_BYTES,
  onCleanupError: (err, runId) => logger.warn({ err, runId }, 'giving back a failed start failed'),
});
// Attached streams end runs whose job failed for good or no longer exists (checked every 15 s per stream).
const runWatchdog = new RunWatchdog({ runsQueue, runLog: deps.runLog, limits, store: deps.store, logger });

const sseStreams = new SseStreams();
let draining = false;
const workersPresent = (queue: typeof runsQueue | typeof ingestQueue, label: string) => async () => {
  const n = await queue.getWorkersCount();
  if (n === 0) throw new Error(`no ${label} worker connected`);
};

const app = createGatewayApp({
  server: chatkit,
  runLog: deps.runLog,
  control,
  subscriber,
  attachments,
  logger,
  authenticate: authentication.authenticate,
  devIdentity: devIdentityEnabled(cfg),
  bodyLimitBytes: cfg.BODY_LIMIT_BYTES,
  heartbeatMs: cfg.SSE_HEARTBEAT_MS,
  disconnect: { policy: cfg.DISCONNECT_POLICY, graceMs: cfg.DISCONNECT_GRACE_MS },
  limits,
  sse: { maxBufferedBytes: cfg.SSE_MAX_BUFFER_BYTES, registry: sseStreams, maxAttachesPerUser: cfg.MAX_ATTACHES_PER_USER },
  corsOrigins: cfg.CORS_ORIGINS,
  metrics: metrics.chat,
  runWatchdog,
  ...(cfg.BLOB_DRIVER === 'local' ? { localFiles: { root: cfg.BLOB_LOCAL_ROOT, signingSecret: cfg.FILE_URL_SECRET! } } : {}),
  ...(cfg.OPS_VIEWER_TOKEN || cfg.OPS_OPERATOR_TOKEN
    ? {
        queueDashboard: createQueueDashboard({
          queues: [runsQueue, ingestQueue],
          basePath: '/admin/queues',
          ...(cfg.OPS_VIEWER_TOKEN ? { viewerToken: cfg.OPS_VIEWER_TOKEN } : {}),
          ...(cfg.OPS_OPERATOR_TOKEN ? { operatorToken: cfg.OPS_OPERATOR_TOKEN } : {}),
        }),
      }
    : {}),
  ...(opsLive ? { opsPage: opsLive.router } : {}),
  ...(demoPageEnabled(cfg) ? { demoPage: createDemoPageRouter() } : {}),
  readiness: {
    draining: async () => {
      if (draining) throw new Error('gateway is draining');
    },
    ...dependencyChecks(deps),
    generationWorkers: workersPresent(runsQueue, 'generation'),
    ingestWorkers: workersPresent(ingestQueue, 'image-ingest'),
  },
});

const server = app.listen(cfg.PORT, cfg.HOST, () => {
  logger.info({ port: cfg.PORT, host: cfg.HOST, app: chatApp.name, disconnectPolicy: cfg.DISCONNECT_POLICY }, 'gateway listening');
});
// Headers must be allowed to take longer than the idle keep-alive, or Node cuts a reused socket early.
server.keepAliveTimeout = cfg.HTTP_KEEP_ALIVE_TIMEOUT_MS;
server.headersTimeout = cfg.HTTP_KEEP_ALIVE_TIMEOUT_MS + 5_000;
// Requests Node's HTTP parser refuses never reach express: answer those as JSON too (431, 400).
server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    error: {
      code: tooLarge ? 'headers_too_large' : 'bad_request',
      message: tooLarge ? 'request headers too large' : 'malformed HTTP request',
    },
  });
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
});
opsLive?.attach(server);

onShutdown(logger, SHUTDOWN_GRACE_MS, async () => {
  // Drain: refuse new work, hand live streams off (clients re-attach with Last-Event-ID elsewhere).
  draining = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  logger.info({ streams: sseStreams.size }, 'closing live streams for hand-off');
  sseStreams.closeAll('gateway draining');
  server.closeIdleConnections();
  await opsLive?.close(); // open ops sockets would keep server.close() waiting
  await closed;
  queueWatch.stop();
  metricsServer?.close();
  await runsQueue.close();
  await ingestQueue.close();
  sub.disconnect();
  controlSub.disconnect();
  await opsSnapshots.stop();
  await deps.close();
  await tracing.shutdown();
});
