// The embedded defaults behind `npm start` and the test kit: a private redis-server, the MongoDB
// wire-protocol test server, and the Responses API test server, each started only when the
// corresponding production setting is absent, each announced with one log line.
import { randomBytes } from 'node:crypto';
import { startRedisServer, type RedisServerHandle } from '@switchyard/redis-server';
import { startMongoTestServer, type MongoTestServer } from '@switchyard/mongo-test-server';
import { startModelTestServer, type ModelTestServer, type ModelTestServerOptions } from '@switchyard/model-test-server';

export interface EmbeddedDependencies {
  env: Record<string, string>;
  redis?: RedisServerHandle;
  mongo?: MongoTestServer;
  model?: ModelTestServer;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  env: NodeJS.ProcessEnv;
  announce: (line: string) => void;
  blobRoot: string;
  model?: ModelTestServerOptions;
}

export async function startEmbeddedDependencies(opts: EmbeddedOptions): Promise<EmbeddedDependencies> {
  const env: Record<string, string> = {};
  const out: EmbeddedDependencies = { env, stop: async () => undefined };
  const { announce } = opts;
  if (!opts.env.REDIS_URL) {
    out.redis = await startRedisServer();
    env.REDIS_URL = out.redis.url;
    announce(
      `embedded default: private redis-server on ${out.redis.url} (pid ${out.redis.pid}, no persistence); set REDIS_URL to use your own`,
    );
  }
  if (!opts.env.MONGODB_URL) {
    out.mongo = await startMongoTestServer();
    env.MONGODB_URL = out.mongo.url;
    announce(
      `embedded default: MongoDB wire-protocol development server on ${out.mongo.url} (in memory, data is lost on exit); set MONGODB_URL for a real MongoDB`,
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
  out.stop = async () => {
    await out.model?.close();
    await out.mongo?.close();
    await out.redis?.stop();
  };
  return out;
}
