// Queue, worker and queue-events construction with the settings every Switchyard process shares:
// hash-tagged prefixes, bounded job retention, and stall detection tuned for long model runs.
import { Queue, QueueEvents, Worker, type Processor, type WorkerOptions } from 'bullmq';
import { createRedis, type RedisClient } from '@switchyard/redis-connection';
import { queuePrefix, type QueueName } from './names.ts';

export interface QueueConnection {
  redisUrl: string;
}

/** BullMQ wants its own connections with `maxRetriesPerRequest: null`. */
function bullConnection(redisUrl: string, name: string): RedisClient {
  return createRedis(redisUrl, { name, maxRetriesPerRequest: null });
}

/** BullMQ leaves a connection it was handed open on close(); ours are private, so close them too. */
function closingConnection<C extends { close(): Promise<void> }>(owner: C, connection: RedisClient): C {
  const close = owner.close.bind(owner);
  owner.close = async () => {
    await close();
    connection.disconnect();
  };
  return owner;
}

export function createQueue<T, R = unknown>(name: QueueName, conn: QueueConnection): Queue<T, R> {
  const connection = bullConnection(conn.redisUrl, `queue:${name}`);
  return closingConnection(
    new Queue<T, R>(name, {
      connection,
      prefix: queuePrefix(name),
      defaultJobOptions: {
        // Keep a bounded tail of finished jobs for dashboards, never an unbounded history.
        removeOnComplete: { count: 1_000, age: 3_600 },
        removeOnFail: { count: 5_000, age: 24 * 3_600 },
      },
    }),
    connection,
  );
}

export interface WorkerSettings {
  concurrency: number;
  /** Lock duration: how long a job may go without its worker renewing the lock before it stalls. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. */
  stalledIntervalMs?: number;
  maxStalledCount?: number;
}

export function createWorker<T, R>(
  name: QueueName,
  conn: QueueConnection,
  processor: Processor<T, R>,
  settings: WorkerSettings,
): Worker<T, R> {
  const connection = bullConnection(conn.redisUrl, `worker:${name}`);
  const opts: WorkerOptions = {
    connection,
    prefix: queuePrefix(name),
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs ?? 30_000,
    stalledInterval: settings.stalledIntervalMs ?? 15_000,
    maxStalledCount: settings.maxStalledCount ?? 1,
    autorun: true,
  };
  return closingConnection(new Worker<T, R>(name, processor, opts), connection);
}

export function createQueueEvents(name: QueueName, conn: QueueConnection): QueueEvents {
  const connection = bullConnection(conn.redisUrl, `events:${name}`);
  return closingConnection(
    new QueueEvents(name, {
      connection,
      prefix: queuePrefix(name),
      // Read from the start of the retained events stream: with '$' a completion that lands right
      // after start-up can be missed (seen on Redis Cluster, PITFALLS).
      lastEventId: '0',
    }),
    connection,
  );
}
