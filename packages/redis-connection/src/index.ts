// Redis connections from one URL form: `redis://host:port` for a single node and
// `redis-cluster://h1:p1,h2:p2,…` for a Redis Cluster, so every process is cluster-ready by config.
import type { Duplex } from 'node:stream';
import { Cluster, Redis } from 'ioredis';

export {
  loadScripts,
  readScriptFolder,
  scriptCommandName,
  type ScriptCommand,
  type ScriptCommandNames,
  type ScriptFile,
} from './script-loader.ts';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  cluster: boolean;
  url: string;
  nodes: Array<{ host: string; port: number }>;
}

export function parseRedisUrl(url: string): RedisTarget {
  if (url.startsWith('redis-cluster://')) {
    const nodes = url
      .slice('redis-cluster://'.length)
      .split(',')
      .filter(Boolean)
      .map((hp) => {
        const [host, port] = hp.split(':');
        return { host: host || '127.0.0.1', port: Number(port ?? 6379) };
      });
    if (nodes.length === 0) throw new Error(`REDIS_URL lists no cluster nodes: ${url}`);
    return { cluster: true, url, nodes };
  }
  const u = new URL(url);
  return { cluster: false, url, nodes: [{ host: u.hostname, port: Number(u.port || 6379) }] };
}

export interface RedisConnectOptions {
  /** Name shown in CLIENT LIST: which process and role holds the connection. */
  name: string;
  /** BullMQ requires `null` (retry forever) on its connections. Overrides `outageWindowMs`. */
  maxRetriesPerRequest?: number | null;
  /**
   * How long a command waits for a lost connection to come back before it fails (default
   * DEFAULT_OUTAGE_WINDOW_MS): a Redis restarted within this window fails no command.
   */
  outageWindowMs?: number;
  lazyConnect?: boolean;
  /** Connection errors while reconnecting; readiness reports outages, so the default is quiet. */
  onError?: (err: Error) => void;
  /** The commands of one tick in at most two socket writes (batchWritesPerTick; default true). */
  batchWrites?: boolean;
}

export const DEFAULT_OUTAGE_WINDOW_MS = 15_000;

/** Delay before reconnect attempt `times` (1-based): 100 ms more each time, at most 1 s. */
export const reconnectDelay = (times: number): number => Math.min(100 * times, 1_000);

/**
 * ioredis counts a command's patience in reconnect attempts, not time: it fails every queued command
 * when attempt `maxRetriesPerRequest + 1` is scheduled, i.e. after the delays of the first
 * `maxRetriesPerRequest` attempts (ioredis' closeHandler). The smallest count whose delays cover the
 * window. Commands wait at least `windowMs` (longer when connecting itself is slow, never shorter).
 */
export function retriesForWindow(windowMs: number): number {
  let waited = 0;
  let attempts = 0;
  while (waited < windowMs) waited += reconnectDelay(++attempts);
  return attempts;
}

/**
 * Opens a connection; reconnects forever so an outage never crashes a process. Commands issued or in
 * flight while it is down wait in order (ioredis' offline queue, unanswered ones re-sent) for up to
 * the outage window, then fail.
 */
export function createRedis(url: string, opts: RedisConnectOptions): RedisClient {
  const target = parseRedisUrl(url);
  const retryStrategy = reconnectDelay;
  const common = {
    connectionName: opts.name,
    maxRetriesPerRequest:
      opts.maxRetriesPerRequest === undefined
        ? retriesForWindow(opts.outageWindowMs ?? DEFAULT_OUTAGE_WINDOW_MS)
        : opts.maxRetriesPerRequest,
    lazyConnect: opts.lazyConnect ?? false,
    // Never ioredis auto-pipelining: in ioredis 6 a pipeline cut by a Redis restart throws from a
    // callback ("results[i] is not iterable", autoPipelining.js) and kills the process (the chaos
    // campaign lost a generation worker to it; docs/benchmarks/README.md).
    retryStrategy,
  };
  let client: RedisClient;
  if (target.cluster) {
    client = new Cluster(target.nodes, {
      redisOptions: common,
      clusterRetryStrategy: retryStrategy,
      shardedSubscribers: true,
      maxRedirections: 16,
    });
  } else {
    client = new Redis(url, common);
  }
  client.on('error', opts.onError ?? (() => undefined));
  if (opts.batchWrites ?? true) batchWritesPerTick(client);
  return client;
}

/**
 * Commands a connection is given while the process handles one event — a socket read, a timer, and
 * every promise continuation that follows it — leave in two socket writes at most instead of one
 * each. A write to a loopback socket costs 45-150 µs of CPU on the 2-core machines (half the
 * generation worker's Redis time in its profile, docs/benchmarks/README.md), and under load work
 * comes in bunches: one read brings the replies to many commands, whose continuations each send the
 * next. The first command of a tick is written at once (a lone command waits for nothing, and Redis
 * need not idle while the rest of the tick's work runs); the socket is then corked and uncorked on the next tick (as Node's HTTP server corks a response),
 * so nothing waits for I/O or a timer. Unlike ioredis' auto-pipelining (off, see createRedis),
 * ioredis still writes and tracks every command on its own: its queue, its replies and its
 * re-sending after a reconnect are unchanged; only the bytes wait in the socket until the tick ends.
 * Each new socket (every reconnect, every cluster node) is set up when it connects.
 */
export function batchWritesPerTick(client: RedisClient): void {
  const setUp = (node: Redis) => {
    const onConnect = () => {
      const stream = (node as unknown as { stream?: Duplex }).stream;
      if (stream) corkEachTick(stream);
    };
    node.on('connect', onConnect);
    if (node.status === 'connect' || node.status === 'ready') onConnect();
  };
  if (client instanceof Cluster) {
    client.on('+node', setUp);
    for (const node of client.nodes()) setUp(node);
  } else setUp(client);
}

const corked = new WeakSet<Duplex>();

function corkEachTick(stream: Duplex): void {
  if (corked.has(stream)) return;
  corked.add(stream);
  /** Writes in this tick so far: the first goes out at once, the rest wait for the tick's end. */
  let writes = 0;
  const endOfTick = () => {
    if (writes > 1) stream.uncork();
    writes = 0;
  };
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]) => {
    if (writes === 0) process.nextTick(endOfTick);
    else if (writes === 1) stream.cork();
    writes++;
    return write(...args);
  }) as Duplex['write'];
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Resolves once the client is ready (or rejects after `timeoutMs`). */
export async function waitReady(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`redis not ready after ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}
