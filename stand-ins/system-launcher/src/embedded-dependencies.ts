// The embedded defaults behind `npm start` and the test kit: a private redis-server, the MongoDB
// wire-protocol test server, and the Responses API test server, each started only when the
// corresponding production setting is absent, each announced with one log line.
//
// The MongoDB test server runs in its own process by default (`npm start`): it costs about as much
// CPU per run as the gateway (docs/benchmarks/README.md), and inside the launching process it would
// share one event loop with the model test server under a burst. The test kit keeps it in process
// (`mongo: 'in-process'`), where tests stop and restart it on its port to simulate an outage.
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
}

/** The MongoDB test server as a child process (stand-ins/mongo-test-server/src/main.ts): same handle, plus its pid. */
export async function startMongoTestServerProcess(
  opts: { port?: number; timeoutMs?: number } = {},
): Promise<MongoTestServer & { pid: number; process: ServiceProcess }> {
  const entry = join(REPO_ROOT, 'stand-ins', 'mongo-test-server', 'src', 'main.ts');
  const proc = spawnProcess(['--import', require.resolve('tsx'), entry, '--port', String(opts.port ?? 0), '--exit-with-parent'], {
    label: 'mongo-test-server',
    env: {},
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let url: string | undefined;
  while (!(url = proc.output.find((line) => line.startsWith('mongodb://')))) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null || Date.now() > deadline) {
      await proc.stop('SIGKILL');
      throw new Error(`the MongoDB test server did not start:\n${proc.output.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const parsed = new URL(url);
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port),
    pid: proc.pid,
    process: proc,
    close: () => proc.stop(),
  };
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
      out.model = await startModelTestServer(opts.model ?? {});
      env.OPENAI_API_KEY = 'embedded-model';
      env.OPENAI_BASE_URL = out.model.baseURL;
      announce(
        `embedded default: built-in Responses API model on ${out.model.baseURL} (text, "draw …" images with partial previews); set OPENAI_API_KEY to use OpenAI`,
      );
    }
  } catch (err) {
    await out.model?.close();
    await stopStarted();
    throw err;
  }
  out.stop = async () => {
    await out.model?.close();
    await stopStarted();
  };
  return out;
}
