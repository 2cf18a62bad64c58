// Boots the whole system for an end-to-end suite: private Redis, the MongoDB test server (or
// MONGODB_URL with a fresh database), the Responses API test server, and real service processes.
// The chaos suite also restarts processes it killed (`restartProcess`) and Redis on its AOF data
// (`redisPersistence`), so the system keeps its size through a long campaign.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { startGcsTestServer, type GcsTestServer } from '@switchyard/gcs-test-server';
import { MongoClient, type Db } from 'mongodb';
import type { ModelTestServer } from '@switchyard/model-test-server';
import { freePort, startRedisCluster, startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { spawnService, startEmbeddedDependencies, waitForHttpOk, type ServiceName, type ServiceProcess } from '@switchyard/system-launcher';

export interface SystemOptions {
  transport: 'http' | 'websocket';
  gateways?: number;
  /** Generation workers (default 1). */
  workers?: number;
  /** Image-ingest workers (default 1). */
  ingests?: number;
  /** Give every process its own /metrics port (see System.metricsUrls). */
  metrics?: boolean;
  imageBytes?: number;
  deltaDelayMs?: number;
  textDeltas?: number;
  /** Run on a private 3-master Redis Cluster instead of a single node. */
  redisCluster?: boolean;
  /**
   * Single node with AOF persistence (appendonly yes, appendfsync always: with everysec a crash can
   * lose writes Redis already acknowledged, see docs/operations.md) in a data directory kept until
   * stop(): `embedded.redis.kill(signal)` then `startRedisServer({ port, dir, appendonly: true,
   * appendfsync: 'always' })` restarts it on the same port and data. Not with `redisCluster`.
   */
  redisPersistence?: boolean;
  /** `gcs` runs the blob store on @google-cloud/storage against the GCS test server. */
  blob?: 'local' | 'gcs';
  env?: Record<string, string>;
}

export interface System {
  gateways: Array<{ url: string; process: ServiceProcess }>;
  worker: ServiceProcess;
  workers: ServiceProcess[];
  ingest: ServiceProcess;
  ingests: ServiceProcess[];
  model: ModelTestServer;
  gcs?: GcsTestServer;
  redisUrl: string;
  /** The embedded dependencies, for outage tests (absent when external ones are used). */
  embedded: import('@switchyard/system-launcher').EmbeddedDependencies;
  db: Db;
  processes: ServiceProcess[];
  /** `/metrics` URL per process label, when started with `metrics: true`. */
  metricsUrls: Record<string, string>;
  /**
   * Starts the process `label` (e.g. `generation-worker-1`) again with the same environment and
   * ports once the previous one has exited, waits until it is ready, and puts it in the old one's
   * place in `gateways`/`workers`/`ingests`/`processes` (and `worker`/`ingest`).
   */
  restartProcess(label: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startSystem(opts: SystemOptions): Promise<System> {
  const blobRoot = mkdtempSync(join(tmpdir(), 'switchyard-blobs-'));
  const externalMongo = process.env.MONGODB_URL;
  const cluster = opts.redisCluster ? await startRedisCluster() : undefined;
  if (opts.redisPersistence && opts.redisCluster) throw new Error('redisPersistence is for a single node, not with redisCluster');
  const persistent: RedisServerHandle | undefined = opts.redisPersistence
    ? await startRedisServer({ appendonly: true, appendfsync: 'always' })
    : undefined;
  const ownRedisUrl = cluster?.url ?? persistent?.url;
  const embedded = await startEmbeddedDependencies({
    env: { ...(externalMongo ? { MONGODB_URL: externalMongo } : {}), ...(ownRedisUrl ? { REDIS_URL: ownRedisUrl } : {}) },
    announce: () => undefined,
    blobRoot,
    // In process: the outage tests stop it and start it again on its port.
    mongo: 'in-process',
    model: { imageBytes: opts.imageBytes ?? 200_000, deltaDelayMs: opts.deltaDelayMs ?? 0, textDeltas: opts.textDeltas ?? 12 },
  }).catch(async (err: unknown) => {
    await persistent?.stop();
    throw err;
  });
  // The embedded dependencies own it from here: embedded.stop() stops whichever handle is current.
  if (persistent) embedded.redis = persistent;
  const dbName = `switchyard_e2e_${randomBytes(4).toString('hex')}`;
  const mongoUrl = externalMongo ?? embedded.env.MONGODB_URL!;
  let gcs: GcsTestServer | undefined;
  const blobEnv: Record<string, string> = {};
  if (opts.blob === 'gcs') {
    gcs = await startGcsTestServer({ buckets: ['switchyard-test'] });
    // Signing is local and needs a credential: a throwaway service-account key, never committed.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(blobRoot, 'throwaway-key.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'switchyard-test',
        private_key_id: 'throwaway',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: 'switchyard-test@switchyard-test.iam.gserviceaccount.com',
        client_id: '1',
      }),
    );
    Object.assign(blobEnv, {
      BLOB_DRIVER: 'gcs',
      GCS_BUCKET: 'switchyard-test',
      GCS_API_ENDPOINT: gcs.url,
      GCS_PROJECT_ID: 'switchyard-test',
      GCS_KEY_FILE: keyFile,
    });
  }
  const ports = await Promise.all(Array.from({ length: opts.gateways ?? 1 }, () => freePort()));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DEV_IDENTITY: 'true',
    LOG_LEVEL: 'info',
    ...embedded.env,
    ...(ownRedisUrl ? { REDIS_URL: ownRedisUrl } : {}),
    ...blobEnv,
    MONGODB_URL: mongoUrl,
    MONGODB_DB: dbName,
    MODEL_TRANSPORT: opts.transport,
    PUBLIC_BASE_URL: `http://127.0.0.1:${ports[0]}`,
    SSE_HEARTBEAT_MS: '1000',
    WORKER_CONCURRENCY: '8',
    ...opts.env,
  };
  const metricsUrls: Record<string, string> = {};
  const withMetrics = async (label: string, base: Record<string, string>) => {
    if (!opts.metrics) return base;
    const port = await freePort();
    metricsUrls[label] = `http://127.0.0.1:${port}/metrics`;
    return { ...base, METRICS_PORT: String(port) };
  };
  // What each process was started with, so restartProcess can start it again the same way.
  const specs = new Map<string, { service: ServiceName; env: Record<string, string>; readyUrl: string }>();
  /** Restarted processes not yet ready (and so not yet in `processes`): stop() stops them too. */
  const starting = new Set<ServiceProcess>();
  const spawnRecorded = (service: ServiceName, label: string, processEnv: Record<string, string>, readyUrl: string) => {
    specs.set(label, { service, env: processEnv, readyUrl });
    return spawnService(service, { env: processEnv, label });
  };
  const gateways = await Promise.all(
    ports.map(async (port, i) => ({
      url: `http://127.0.0.1:${port}`,
      process: spawnRecorded(
        'gateway',
        `gateway-${i}`,
        await withMetrics(`gateway-${i}`, { ...env, PORT: String(port), HOST: '127.0.0.1' }),
        `http://127.0.0.1:${port}/readyz`,
      ),
    })),
  );
  // Workers serve /readyz on HEALTH_PORT once their queue connections are ready: the system is
  // started when they are too, so a test's first run never also waits for a worker to boot.
  const readyUrls = gateways.map((g) => `${g.url}/readyz`);
  const withHealth = async (base: Record<string, string>) => {
    const port = await freePort();
    readyUrls.push(`http://127.0.0.1:${port}/readyz`);
    return { ...base, HEALTH_PORT: String(port) };
  };
  const healthUrl = (processEnv: Record<string, string>) => `http://127.0.0.1:${processEnv.HEALTH_PORT}/readyz`;
  const workers = await Promise.all(
    Array.from({ length: opts.workers ?? 1 }, async (_, i) => {
      const processEnv = await withHealth(await withMetrics(`generation-worker-${i}`, env));
      return spawnRecorded('generation-worker', `generation-worker-${i}`, processEnv, healthUrl(processEnv));
    }),
  );
  const worker = workers[0]!;
  const ingests = await Promise.all(
    Array.from({ length: opts.ingests ?? 1 }, async (_, i) => {
      const processEnv = await withHealth(await withMetrics(`image-ingest-worker-${i}`, env));
      return spawnRecorded('image-ingest-worker', `image-ingest-worker-${i}`, processEnv, healthUrl(processEnv));
    }),
  );
  const ingest = ingests[0]!;
  const processes = [...gateways.map((g) => g.process), ...workers, ...ingests];
  const mongo = new MongoClient(mongoUrl);
  try {
    await Promise.all(readyUrls.map((url) => waitForHttpOk(url, 60_000, processes)));
    await mongo.connect();
  } catch (err) {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await embedded.stop();
    await gcs?.close();
    await cluster?.stop();
    throw err;
  }
  const system: System = {
    gateways,
    worker,
    workers,
    ingest,
    ingests,
    model: embedded.model!,
    ...(gcs ? { gcs } : {}),
    redisUrl: ownRedisUrl ?? embedded.env.REDIS_URL!,
    embedded,
    db: mongo.db(dbName),
    processes,
    metricsUrls,
    async restartProcess(label) {
      const spec = specs.get(label);
      const at = processes.findIndex((p) => p.name === label);
      if (!spec || at < 0) throw new Error(`no process labelled ${label}`);
      const old = processes[at]!;
      if (old.child.exitCode === null && old.child.signalCode === null) throw new Error(`${label} (pid ${old.pid}) is still running`);
      const fresh = spawnService(spec.service, { env: spec.env, label });
      starting.add(fresh);
      try {
        await waitForHttpOk(spec.readyUrl, 60_000, [fresh]);
      } catch (err) {
        await fresh.stop('SIGKILL');
        throw err;
      } finally {
        starting.delete(fresh);
      }
      processes[at] = fresh;
      for (const g of gateways) if (g.process === old) g.process = fresh;
      for (const list of [workers, ingests]) {
        const i = list.indexOf(old);
        if (i >= 0) list[i] = fresh;
      }
      if (system.worker === old) system.worker = fresh;
      if (system.ingest === old) system.ingest = fresh;
      return fresh;
    },
    async stop() {
      await Promise.all([...processes, ...starting].map((p) => p.stop()));
      if (externalMongo)
        await mongo
          .db(dbName)
          .dropDatabase()
          .catch(() => undefined);
      await mongo.close();
      await embedded.stop();
      await gcs?.close();
      await cluster?.stop();
      rmSync(blobRoot, { recursive: true, force: true });
    },
  };
  return system;
}
