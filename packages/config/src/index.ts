// The one validated configuration object every Switchyard process reads from its environment.
// Every variable is documented in the README's configuration table; unknown values fail fast at start-up.
import { z } from 'zod';
import { ConfigError } from './errors.ts';

export { ConfigError };

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

export const configSchema = z.object({
  /** Unset means production: development conveniences (dev identity, the demo page) must be asked for. */
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Gateway
  PORT: int(8080),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_BASE_URL: z.string().url().optional(),
  BODY_LIMIT_BYTES: int(1_048_576),
  SSE_HEARTBEAT_MS: int(15_000),
  /**
   * How long an idle keep-alive connection stays open. Above a load balancer's idle timeout (60 s on
   * the common ones) so the balancer, not the gateway, closes idle connections: Node's 5 s default
   * lets a client reuse a socket the gateway is closing that instant, and the request fails.
   */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(65_000),
  /** Development identity: requests without credentials act as `dev`; `X-Switchyard-User` picks another user. */
  DEV_IDENTITY: bool.optional(),

  // Authentication (gateway): bearer JWTs, a trusted proxy header, or the app's `authenticate` hook.
  /** HS256 shared secret (32+ characters). */
  AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
  /** The identity provider's JWK Set URL (https; http only on loopback) for RS256/ES256/EdDSA tokens. */
  AUTH_JWKS_URL: z.string().url().optional(),
  /** Required `iss` and `aud` (comma-separated lists allowed). */
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWT_ALGORITHMS: z.string().default('RS256,ES256,EdDSA'),
  /** The claim naming the user, and an optional tenant claim: the owner is then `<tenant>:<user>`. */
  AUTH_OWNER_CLAIM: z.string().min(1).default('sub'),
  AUTH_TENANT_CLAIM: z.string().min(1).optional(),
  AUTH_CLOCK_TOLERANCE_SECONDS: int(30),
  AUTH_JWKS_TIMEOUT_MS: int(5_000),
  AUTH_JWKS_COOLDOWN_MS: int(30_000),
  AUTH_JWKS_CACHE_MAX_AGE_MS: int(600_000),
  AUTH_JWKS_MAX_STALE_MS: int(86_400_000),
  /** A header a trusted proxy in front of the gateway sets to the user id, and its shared secret. */
  AUTH_TRUSTED_HEADER: z.string().min(1).optional(),
  AUTH_TRUSTED_SECRET_HEADER: z.string().min(1).optional(),
  AUTH_TRUSTED_SECRET: z.string().min(16, 'AUTH_TRUSTED_SECRET must be at least 16 characters').optional(),
  /** The demo chat page at `/` (a static page speaking ChatKit to /chatkit); on by default in development only. */
  DEMO_PAGE: bool.optional(),
  /**
   * Browser origins allowed to call /chatkit (and its run and upload routes) cross-origin, comma-separated
   * (`https://app.example.com,https://admin.example.com`). Unset: no CORS headers at all.
   */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const origins = (value ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '');
      for (const origin of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (!parsed || parsed.origin === 'null' || parsed.origin !== origin.replace(/\/$/, '').toLowerCase())
          ctx.addIssue({
            code: 'custom',
            message: `"${origin}" is not an origin (scheme://host[:port], no path; list each origin, no "*")`,
          });
      }
      return origins.map((o) => o.replace(/\/$/, '').toLowerCase());
    }),

  // Redis
  REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://host:port or redis-cluster://h1:p1,h2:p2)'),
  /**
   * How long Redis may be gone before commands fail: a restart within it (with persistence on) fails
   * no run; commands wait and go out in order when it is back.
   */
  REDIS_OUTAGE_WINDOW_MS: int(15_000),
  RUN_LOG_MAX_ENTRIES: int(20_000),
  /** Bytes one run may append to its log (images are URLs there, never bytes). */
  RUN_LOG_MAX_BYTES: int(16 * 1024 * 1024),
  RUN_LOG_TTL_SECONDS: int(3_600),
  /** A running run's keys expire after this long if its worker vanished without ending it. */
  RUN_LOG_ORPHAN_TTL_SECONDS: int(86_400),

  // MongoDB
  MONGODB_URL: z.string().min(1, 'MONGODB_URL is required'),
  MONGODB_DB: z.string().default('switchyard'),

  // Blob store
  BLOB_DRIVER: z.enum(['local', 'gcs']).default('local'),
  BLOB_LOCAL_ROOT: z.string().default('.data/blobs'),
  FILE_URL_SECRET: z.string().min(16).optional(),
  SIGNED_URL_TTL_SECONDS: int(3_600),
  GCS_BUCKET: z.string().optional(),
  GCS_API_ENDPOINT: z.string().url().optional(),
  GCS_PROJECT_ID: z.string().optional(),
  GCS_KEY_FILE: z.string().optional(),

  // App
  /** Path of the deployer's app module (default export: defineApp(...)); the built-in agent app without it. */
  /** The app module: a file path or a package specifier; the built-in agent app by default. */
  SWITCHYARD_APP: z.string().min(1).default('@switchyard/agents-runtime/app'),
  /** What a client disconnect means for its run: cancel (the reference), detach, or grace. */
  DISCONNECT_POLICY: z.enum(['cancel', 'detach', 'grace']).default('grace'),
  DISCONNECT_GRACE_MS: int(10_000),
  MAX_UPLOAD_BYTES: int(20 * 1024 * 1024),
  /** POSTs to /chatkit per user per minute, across gateways (0 = off). */
  RATE_LIMIT_PER_MINUTE: int(600),
  /** Responses one user may have in progress at once (0 = off). */
  MAX_CONCURRENT_RUNS_PER_USER: int(8),
  /** SSE streams (POST /chatkit answers and re-attaches) one user may have open at once, across gateways (0 = off). */
  MAX_ATTACHES_PER_USER: int(32),
  /** A streaming request on a thread with a response in progress: `reject` (409) or `queue` behind it. */
  THREAD_BUSY_POLICY: z.enum(['reject', 'queue']).default('reject'),
  THREAD_QUEUE_TIMEOUT_MS: int(60_000),
  /** Lease of a run's thread lock and user slot if no worker releases them (a crash). */
  RUN_LEASE_MS: int(15 * 60_000),
  /** Bytes an SSE connection may have unsent before it is closed for the client to re-attach. */
  SSE_MAX_BUFFER_BYTES: int(1_048_576),
  /** HMAC key for two-phase upload tokens; FILE_URL_SECRET is used when unset. */
  UPLOAD_TOKEN_SECRET: z.string().min(16).optional(),
  TRANSCRIPTION_MODEL: z.string().default('gpt-4o-mini-transcribe'),

  // Model
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  MODEL_TRANSPORT: z.enum(['http', 'websocket']).default('http'),
  MODEL: z.string().default('gpt-4.1'),
  IMAGE_PARTIAL_IMAGES: z.coerce.number().int().min(0).max(3).default(2),
  /** How a stored generated image reaches the model on a later turn. */
  MODEL_IMAGE_INPUT: z.enum(['data_url', 'signed_url']).default('data_url'),
  /**
   * Model responses are created in background mode (stored upstream) so a worker that takes a run
   * over continues the response instead of regenerating it (docs/resume.md). Uses HTTP.
   */
  MODEL_BACKGROUND: z.enum(['true', 'false']).default('false'),
  /** The built-in app chains turns with previous_response_id instead of resending history. */
  CHAIN_RESPONSES: z.enum(['true', 'false']).default('false'),

  // Workers
  WORKER_CONCURRENCY: int(16),
  /** A run whose worker stops renewing its lock this long is handed to another worker. */
  WORKER_LOCK_MS: int(30_000),
  WORKER_STALLED_INTERVAL_MS: int(15_000),
  /**
   * On SIGTERM a worker lets active jobs finish for this long, then closes without them (they are
   * handed to another worker by stall detection). Keep it below the 25 s process bound.
   */
  WORKER_DRAIN_MS: z.coerce.number().int().min(0).max(24_000).default(20_000),
  INGEST_CONCURRENCY: int(4),
  INGEST_TIMEOUT_MS: int(60_000),
  IMAGE_MAX_BYTES: int(20 * 1024 * 1024),
  IMAGE_MAX_PIXELS: int(4096 * 4096),
  /** Longest side of an uploaded image, in pixels (IMAGE_MAX_PIXELS applies to uploads too). */
  IMAGE_MAX_DIMENSION: z.coerce.number().int().positive().default(8192),
  IMAGE_BYTES_TTL_SECONDS: int(600),
  HEALTH_PORT: int(0),
  /** Queue dashboard (/admin/queues, bull-board) credentials: Basic auth user `viewer` / `operator`. */
  OPS_VIEWER_TOKEN: z.string().min(16).optional(),
  OPS_OPERATOR_TOKEN: z.string().min(16).optional(),
  /** How often every process publishes its metrics snapshot for the live page `/ops` (0 = off). */
  OPS_SNAPSHOT_INTERVAL_MS: int(1_000),
  /** `/metrics` (Prometheus text) listener of every process (0 = off). */
  METRICS_PORT: int(0),
});

export type Config = z.infer<typeof configSchema>;

/** Parses the environment; throws one ConfigError that lists every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const cfg = parsed.data;
  if (cfg.BLOB_DRIVER === 'gcs' && !cfg.GCS_BUCKET)
    throw new ConfigError('invalid configuration: GCS_BUCKET is required when BLOB_DRIVER=gcs');
  if (cfg.NODE_ENV === 'production' && cfg.DEV_IDENTITY)
    throw new ConfigError('invalid configuration: DEV_IDENTITY cannot be on with NODE_ENV=production (it trusts X-Switchyard-User)');
  if (!!cfg.AUTH_TRUSTED_SECRET !== !!cfg.AUTH_TRUSTED_SECRET_HEADER)
    throw new ConfigError('invalid configuration: AUTH_TRUSTED_SECRET and AUTH_TRUSTED_SECRET_HEADER are set together');
  if (cfg.BLOB_DRIVER === 'local' && !cfg.FILE_URL_SECRET)
    throw new ConfigError('invalid configuration: FILE_URL_SECRET (16+ chars) is required when BLOB_DRIVER=local');
  return cfg;
}

/** Development identity is on only in explicit development mode (or when asked for outside production), never in production. */
export function devIdentityEnabled(cfg: Config): boolean {
  if (cfg.NODE_ENV === 'production') return false;
  return cfg.DEV_IDENTITY ?? cfg.NODE_ENV === 'development';
}

/** The authentication methods the settings configure (the app's hook is the app's business). */
export function authenticationMethods(cfg: Config): Array<'jwt' | 'trusted-header' | 'dev-identity'> {
  return [
    ...(cfg.AUTH_JWT_SECRET || cfg.AUTH_JWKS_URL ? (['jwt'] as const) : []),
    ...(cfg.AUTH_TRUSTED_HEADER ? (['trusted-header'] as const) : []),
    ...(devIdentityEnabled(cfg) ? (['dev-identity'] as const) : []),
  ];
}

/** The demo page is served in development unless switched off, and elsewhere only when switched on. */
export function demoPageEnabled(cfg: Config): boolean {
  return cfg.DEMO_PAGE ?? cfg.NODE_ENV === 'development';
}

export function uploadTokenSecret(cfg: Config): string {
  const secret = cfg.UPLOAD_TOKEN_SECRET ?? cfg.FILE_URL_SECRET;
  if (!secret) throw new ConfigError('invalid configuration: UPLOAD_TOKEN_SECRET (16+ chars) is required');
  return secret;
}

export function publicBaseUrl(cfg: Config): string {
  return cfg.PUBLIC_BASE_URL ?? `http://localhost:${cfg.PORT}`;
}
