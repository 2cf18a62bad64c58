// The cross-instance control channel of a run: any gateway can ask for a cancel, and whichever
// worker holds the run hears it. The request is also recorded in the run's meta hash, so a worker
// that (re)starts the run later, or missed the message, still sees it.
// Across a Redis outage the subscriptions come back with the connection and every watched run's meta
// is read again (a cancel published meanwhile was lost). As in RunLogSubscriber, ioredis'
// autoResubscribe is off on a single node: it re-issues subscriptions with nobody handling a failure
// (an unhandled rejection if the connection drops again at once).
import { isCluster, type RedisClient } from '@switchyard/redis-connection';
import { runKeys } from './keys.ts';

export interface CancelRequest {
  reason: string;
}

export class RunControl {
  private readonly watchers = new Map<string, Set<(req: CancelRequest) => void>>();

  constructor(
    private readonly redis: RedisClient,
    /** A dedicated connection: it enters subscriber mode. */
    private readonly sub: RedisClient,
  ) {
    if (!isCluster(sub)) sub.options.autoResubscribe = false;
    sub.on('smessage', (channel: string, message: string) => {
      const set = this.watchers.get(channel);
      if (!set) return;
      const req = JSON.parse(message) as CancelRequest;
      for (const w of set) w(req);
    });
    let connected = sub.status === 'ready';
    sub.on('close', () => (connected = false));
    sub.on('ready', () => {
      if (connected) return;
      connected = true;
      for (const [channel, set] of this.watchers) {
        if (!isCluster(sub)) void sub.ssubscribe(channel).catch(() => undefined);
        const runId = this.runIds.get(channel);
        if (!runId) continue;
        void this.cancelRequested(runId)
          .then((reason) => {
            if (reason !== null) for (const w of set) w({ reason });
          })
          .catch(() => undefined);
      }
    });
  }

  /** The run of each watched channel, to read its meta again after an outage. */
  private readonly runIds = new Map<string, string>();

  async requestCancel(runId: string, reason: string): Promise<void> {
    const k = runKeys(runId);
    await this.redis.hset(k.meta, 'cancel', reason);
    await this.redis.spublish(k.control, JSON.stringify({ reason } satisfies CancelRequest));
  }

  async cancelRequested(runId: string): Promise<string | null> {
    return this.redis.hget(runKeys(runId).meta, 'cancel');
  }

  /** Calls `onCancel` when a cancel for the run is requested; returns the unwatch function. */
  async watch(runId: string, onCancel: (req: CancelRequest) => void): Promise<() => void> {
    const channel = runKeys(runId).control;
    let set = this.watchers.get(channel);
    if (!set) {
      set = new Set();
      this.watchers.set(channel, set);
      this.runIds.set(channel, runId);
      await this.sub.ssubscribe(channel);
    }
    set.add(onCancel);
    const existing = await this.cancelRequested(runId);
    if (existing !== null) onCancel({ reason: existing });
    return () => {
      const s = this.watchers.get(channel);
      if (!s) return;
      s.delete(onCancel);
      if (s.size === 0) {
        this.watchers.delete(channel);
        this.runIds.delete(channel);
        void this.sub.sunsubscribe(channel).catch(() => undefined);
      }
    };
  }
}
