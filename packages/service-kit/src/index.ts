// What every Switchyard process does the same way: open its dependencies from the validated
// config, expose liveness/readiness, and shut down in order on SIGTERM/SIGINT.
import { createServer, type Server } from 'node:http';
import type { MongoClient } from 'mongodb';
import { createGcsBlobStore, createLocalBlobStore, type BlobStore } from '@switchyard/blob';
import { publicBaseUrl, type Config } from '@switchyard/config';
import type { Logger } from '@switchyard/logging';
import { createRedis, waitReady, type RedisClient } from '@switchyard/redis-connection';
import { RunLog } from '@switchyard/run-log';
import { ChatStore, connectMongo } from '@switchyard/store';

export interface Dependencies {
  redis: RedisClient;
  mongo: MongoClient;
  store: ChatStore;
  blob: BlobStore;
  runLog: RunLog;
  close(): Promise<void>;
}

export function blobStoreFromConfig(cfg: Config): BlobStore {
  if (cfg.BLOB_DRIVER === 'gcs') {
    return createGcsBlobStore({
      bucket: cfg.GCS_BUCKET!,
      ...(cfg.GCS_API_ENDPOINT ? { apiEndpoint: cfg.GCS_API_ENDPOINT } : {}),
      ...(cfg.GCS_PROJECT_ID ? { projectId: cfg.GCS_PROJECT_ID } : {}),
      ...(cfg.GCS_KEY_FILE ? { keyFilename: cfg.GCS_KEY_FILE } : {}),
    });
  }
  return createLocalBlobStore({ root: cfg.BLOB_LOCAL_ROOT, publicBaseUrl: publicBaseUrl(cfg), signingSecret: cfg.FILE_URL_SECRET! });
}

export async function openDependencies(cfg: Config, service: string): Promise<Dependencies> {
  const redis = createRedis(cfg.REDIS_URL, { name: `${service}:main`, outageWindowMs: cfg.REDIS_OUTAGE_WINDOW_MS });
  await waitReady(redis);
  const mongo = await connectMongo(cfg.MONGODB_URL, { appName: service });
  const blob = blobStoreFromConfig(cfg);
  const store = new ChatStore(mongo.db(cfg.MONGODB_DB), {
    imageUrl: (ref) => blob.signedUrl(ref.name, { expiresInSeconds: cfg.SIGNED_URL_TTL_SECONDS }),
  });
  await store.ensureIndexes();
  const runLog = new RunLog(redis, {
    maxEntries: cfg.RUN_LOG_MAX_ENTRIES,
    maxBytes: cfg.RUN_LOG_MAX_BYTES,
    ttlSeconds: cfg.RUN_LOG_TTL_SECONDS,
    orphanTtlSeconds: cfg.RUN_LOG_ORPHAN_TTL_SECONDS,
  });
  return {
    redis,
    mongo,
    store,
    blob,
    runLog,
    async close() {
      await mongo.close();
      redis.disconnect();
    },
  };
}

export type Check = () => Promise<void>;

/** Runs named checks; readiness is the conjunction, reported per dependency. */
export async function runChecks(
  checks: Record<string, Check>,
  timeoutMs = 2_000,
): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs))),
        ]);
        results[name] = 'ok';
      } catch (err) {
        results[name] = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: Object.values(results).every((r) => r === 'ok'), checks: results };
}

/** How long the readiness query may run on the MongoDB server (runChecks gives up after 2 s anyway). */
export const MONGO_CHECK_MAX_TIME_MS = 1_000;

export function dependencyChecks(deps: Pick<Dependencies, 'redis' | 'store' | 'blob'>): Record<string, Check> {
  // MongoDB is ready when it answers a query on the collections requests read, not merely a ping: a
  // server can answer ping while every query on them fails. One _id from each, server-side bounded.
  const probe = { projection: { _id: 1 }, limit: 1, maxTimeMS: MONGO_CHECK_MAX_TIME_MS };
  return {
    redis: async () => {
      await deps.redis.ping();
    },
    mongodb: async () => {
      await Promise.all([deps.store.threads.find({}, probe).toArray(), deps.store.items.find({}, probe).toArray()]);
    },
    blob: () => deps.blob.ping(),
  };
}

/** A bare health server for worker processes: `/healthz` (alive) and `/readyz` (dependencies). */
export function startHealthServer(port: number, checks: Record<string, Check>, logger: Logger): Server {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url === '/readyz') {
      void runChecks(checks).then((r) => {
        res.writeHead(r.ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(r));
      });
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port, () => logger.info({ port: (server.address() as { port: number }).port }, 'health server listening'));
  return server;
}

/**
 * How long any Switchyard process takes at most to exit after SIGTERM: below Kubernetes' default 30 s
 * termination grace. The manifests and the compose file size their grace periods above it.
 */
export const SHUTDOWN_GRACE_MS = 25_000;

/** Calls `shutdown` once on SIGTERM/SIGINT and exits when it resolves (or after `graceMs`). */
export function onShutdown(logger: Logger, graceMs: number, shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.warn('shutdown grace period exceeded; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    shutdown()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** How long handed-off jobs get to leave after the drain time, before the worker closes without them. */
export const HANDOFF_WAIT_MS = 3_000;

/**
 * Worker shutdown: let active jobs finish for `drainMs`; then `handOff` (when given) tells the jobs
 * still running to give their work back to the queue, and they get HANDOFF_WAIT_MS to do it. A job
 * that still has not returned is left to stall recovery; either way the worker returns (and the
 * process exits 0) well inside the shutdown grace.
 */
export async function drainWorker(
  worker: { close(force?: boolean): Promise<void> },
  drainMs: number,
  logger: Logger,
  handOff?: () => void,
): Promise<void> {
  const closing = worker.close();
  const within = (ms: number) =>
    Promise.race([closing.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
  if (await within(drainMs)) return;
  if (handOff) {
    logger.warn({ drainMs }, 'drain time over; handing the remaining jobs back to the queue');
    handOff();
    if (await within(HANDOFF_WAIT_MS)) return;
  }
  // close(true) would only return the close already in progress; nothing more to wait for.
  logger.warn({ drainMs }, 'jobs still active after the drain; leaving them to stall recovery');
}
