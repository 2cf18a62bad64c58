// The embedded defaults behind `npm start` and the test kit: a private redis-server, the MongoDB
// wire-protocol test server, and the Responses API test server, each started only when the
// corresponding production setting is absent, each announced with one log line.
//
// The MongoDB test server runs in its own process by default: it costs about as much CPU per run as
// the gateway (docs/benchmarks/README.md), and inside the launching process it would share one event
// loop with the model test server under a burst. `npm start` runs the model test server in its own
// process too. The test kit keeps both in process: outage tests stop and restart MongoDB on its port,
// and tests read the model server's request log and images.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import { startModelTestServer, type ModelTestServer, type ModelTestServerOptions } from '@switchyard/model-test-server';
import { REPO_ROOT, spawnProcess, type ServiceProcess } from './service-process.ts';

const require = createRequire(import.meta.url);

export interface EmbeddedDependencies {
  env: Record<string, string>;
  redis?: RedisServerHandle;
  mongo?: MongoTestServer;
  /** The MongoDB test server's process, when it runs in its own (so a launcher can watch it exit). */
  mongoProcess?: ServiceProcess;
  /** The model test server's process, when it runs in its own (`model` is then unset). */
  modelProcess?: ServiceProcess;
  model?: ModelTestServer;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  env: NodeJS.ProcessEnv;
  announce: (line: string) => void;
  blobRoot: string;
  model?: ModelTestServerOptions;
  /** Where the MongoDB test server runs: its own Node process (default) or this one. */
  mongo?: 'own-process' | 'in-process';
  /**
   * Where the model test server runs: this process (default: the test kit and the compose test read
   * its request log and images) or its own (`npm start`, so a burst does not share this event loop).
   */
  modelServer?: 'in-process' | 'own-process';
}

/**
 * Runs a stand-in's CLI (`node --import tsx <entry> …args`) as a child of this process and waits for
 * the address it prints on stdout. Both CLIs take `--exit-with-parent`, so a launcher killed with
 * SIGKILL leaves neither behind.
 */
async function startStandInProcess(
  label: string,
  entry: string,
  args: string[],
  address: RegExp,
  opts: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ address: string; process: ServiceProcess }> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const proc = spawnProcess(['--import', require.resolve('tsx'), join(REPO_ROOT, entry), ...args, '--exit-with-parent'], {
    label,
    env: opts.env ?? {},
  });
  const deadline = Date.now() + timeoutMs;
  let line: string | undefined;
  while (!(line = proc.output.find((l) => address.test(l)))) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null || Date.now() > deadline) {
      await proc.stop('SIGKILL');
      throw new Error(`${label} did not start:\n${proc.output.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { address: line.trim(), process: proc };
}

/** The MongoDB test server as a child process (stand-ins/mongo-test-server/src/main.ts): same handle, plus its pid. */
export async function startMongoTestServerProcess(
  opts: { port?: number; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<MongoTestServer & { pid: number; process: ServiceProcess }> {
  const { address: url, process: proc } = await startStandInProcess(
    'mongo-test-server',
    'stand-ins/mongo-test-server/src/main.ts',
    ['--port', String(opts.port ?? 0)],
    /^mongodb:\/\//,
    opts,
  );
  const parsed = new URL(url);
  return { url, host: parsed.hostname, port: Number(parsed.port), pid: proc.pid, process: proc, close: () => proc.stop() };
}

/** The model test server as a child process (stand-ins/model-test-server/src/main.ts): its baseURL and process. */
export async function startModelTestServerProcess(
  opts: ModelTestServerOptions & { timeoutMs?: number } = {},
): Promise<{ baseURL: string; process: ServiceProcess }> {
  const flags: Array<[string, number | undefined]> = [
    ['--image-bytes', opts.imageBytes],
    ['--delta-delay-ms', opts.deltaDelayMs],
    ['--text-deltas', opts.textDeltas],
  ];
  const args = flags.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)]));
  const { address, process } = await startStandInProcess(
    'model-test-server',
    'stand-ins/model-test-server/src/main.ts',
    args,
    /^https?:\/\//,
    { ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) },
  );
  return { baseURL: address, process };
}

export async function startEmbeddedDependencies(opts: EmbeddedOptions): Promise<EmbeddedDependencies> {
  const env: Record<string, string> = {};
  const out: EmbeddedDependencies = { env, stop: async () => undefined };
  // A later step that fails must not leave the MongoDB child running.
  const stopStarted = async () => {
    await out.mongo?.close();
    await out.redis?.stop();
  };
  const { announce } = opts;
  try {
    if (!opts.env.REDIS_URL) {
      out.redis = await startRedisServer();
      env.REDIS_URL = out.redis.url;
      announce(
        `embedded default: private redis-server on ${out.redis.url} (pid ${out.redis.pid}, no persistence); set REDIS_URL to use your own`,
      );
    }
    if (!opts.env.MONGODB_URL) {
      const child = (opts.mongo ?? 'own-process') === 'own-process' ? await startMongoTestServerProcess() : undefined;
      const mongo = child ?? (await startMongoTestServer());
      out.mongo = mongo;
      if (child) out.mongoProcess = child.process;
      env.MONGODB_URL = mongo.url;
      const where = child ? `its own process, pid ${child.pid}` : 'this process';
      announce(
        `embedded default: MongoDB wire-protocol development server on ${mongo.url} (${where}; in memory, data is lost on exit); set MONGODB_URL for a real MongoDB`,
      );
    }
    if (!opts.env.BLOB_DRIVER) {
      env.BLOB_DRIVER = 'local';
      env.BLOB_LOCAL_ROOT = opts.env.BLOB_LOCAL_ROOT ?? opts.blobRoot;
      announce(
        `embedded default: local blob store in ${env.BLOB_LOCAL_ROOT}, served by the gateway at /files with signed URLs; set BLOB_DRIVER=gcs and GCS_BUCKET for Cloud Storage`,
      );
    }
    if (!opts.env.FILE_URL_SECRET && (opts.env.BLOB_DRIVER ?? env.BLOB_DRIVER) === 'local') {
      env.FILE_URL_SECRET = randomBytes(24).toString('base64url');
      announce(
        'embedded default: random FILE_URL_SECRET for signing file URLs (links stop working after a restart); set FILE_URL_SECRET to keep them',
      );
    }
    if (!opts.env.OPENAI_API_KEY) {
      let baseURL: string;
      if (opts.modelServer === 'own-process') {
        const child = await startModelTestServerProcess(opts.model ?? {});
        out.modelProcess = child.process;
        baseURL = child.baseURL;
      } else {
        out.model = await startModelTestServer(opts.model ?? {});
        baseURL = out.model.baseURL;
      }
      env.OPENAI_API_KEY = 'embedded-model';
      env.OPENAI_BASE_URL = baseURL;
      const where = out.modelProcess ? `its own process, pid ${out.modelProcess.pid}` : 'this process';
      announce(
        `embedded default: built-in Responses API model on ${baseURL} (${where}; text, "draw …" images with partial previews); set OPENAI_API_KEY to use OpenAI`,
      );
    }
  } catch (err) {
    await out.model?.close();
    await out.modelProcess?.stop();
    await stopStarted();
    throw err;
  }
  out.stop = async () => {
    await out.model?.close();
    await out.modelProcess?.stop();
    await stopStarted();
  };
  return out;
}
