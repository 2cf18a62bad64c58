// The snapshot publisher every process runs: each interval it writes its own metrics and load to
// Redis for the gateways' live operations page, and removes its entry when it stops.
import type { RedisClient } from '@switchyard/redis-connection';
import { processId, takeSnapshot, type MetricsSource, type WorkerLoad } from './snapshot.ts';
import { SnapshotWriter } from './snapshot-writer.ts';

export interface SnapshotPublisherOptions {
  redis: RedisClient;
  /** The process's prom-client registry. */
  registry: MetricsSource;
  /** `gateway`, `generation-worker`, `image-ingest-worker`. */
  component: string;
  /** Publish interval (OPS_SNAPSHOT_INTERVAL_MS); with 0 it publishes only when publishNow() is called. */
  intervalMs: number;
  /** Workers report how many jobs run now out of how many they may run. */
  load?: () => WorkerLoad;
  /** Defaults to `<hostname>:<pid>`. */
  id?: string;
  /** A publish failed (Redis unreachable, …); the next interval tries again. */
  onError?: (err: unknown) => void;
}

export interface SnapshotPublisher {
  readonly id: string;
  publishNow(): Promise<void>;
  /** Stops publishing and removes this process's entry (best effort: Redis may be gone). */
  stop(): Promise<void>;
}

/** How long the keys outlive the last publish of any process. */
const KEY_TTL_SECONDS = 120;

export function startSnapshotPublisher(opts: SnapshotPublisherOptions): SnapshotPublisher {
  const id = opts.id ?? processId();
  const store = new SnapshotWriter(opts.redis);
  let published = false;
  const publishNow = async () => {
    const snapshot = await takeSnapshot(opts.registry, { id, component: opts.component }, opts.load?.());
    await store.publish(snapshot, KEY_TTL_SECONDS);
    published = true;
  };

  let inFlight: Promise<void> | null = null;
  const tick = () => {
    if (inFlight) return; // a slow Redis never stacks publishes
    inFlight = publishNow()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        inFlight = null;
      });
  };
  let timer: NodeJS.Timeout | null = null;
  if (opts.intervalMs > 0) {
    tick();
    timer = setInterval(tick, opts.intervalMs);
    timer.unref();
  }
  return {
    id,
    publishNow,
    async stop() {
      if (timer) clearInterval(timer);
      await inFlight;
      if (published) await store.remove(id).catch((err: unknown) => opts.onError?.(err));
    },
  };
}
