// The cross-instance control channel of a run: any gateway can ask for a cancel, and whichever
// worker holds the run hears it. The request is also recorded in the run's meta hash, so a worker
// that (re)starts the run later, or missed the message, still sees it.
// Across a Redis outage the subscriptions come back with the connection and every watched run's meta
// is read again (a cancel published meanwhile was lost). Pub/sub delivers at most once even without
// an outage (a Redis Cluster's sharded subscriber being re-made on a topology change drops what is
// published meanwhile), so every watched run's meta is also read every `pollMs` (default 1 s): a
// lost cancel message delays the cancel by at most that, one HGET per watched run per interval.
// As in RunLogSubscriber, ioredis' autoResubscribe is off on a single node: it re-issues
// subscriptions with nobody handling a failure (an unhandled rejection if the connection drops
// again at once).
import { isCluster, type RedisClient } from '@switchyard/redis-connection';
import { runKeys } from './keys.ts';

export interface CancelRequest {
  reason: string;
}

/** How often a watching process reads its watched runs' cancel flags, in case a message was lost. */
export const CANCEL_POLL_MS = 1_000;

export class RunControl {
  private readonly watchers = new Map<string, Set<(req: CancelRequest) => void>>();
  /** Channels whose watchers were told of a cancel already (a read that finds it again tells nobody). */
  private readonly told = new Set<string>();
  private poll: NodeJS.Timeout | null = null;
  private readonly pollMs: number;

  constructor(
    private readonly redis: RedisClient,
    /** A dedicated connection: it enters subscriber mode. */
    private readonly sub: RedisClient,
    opts: { pollMs?: number } = {},
  ) {
    this.pollMs = opts.pollMs ?? CANCEL_POLL_MS;
    if (!isCluster(sub)) sub.options.autoResubscribe = false;
    sub.on('smessage', (channel: string, message: string) => {
      const set = this.watchers.get(channel);
      if (!set) return;
      this.told.add(channel);
      const req = JSON.parse(message) as CancelRequest;
      for (const w of set) w(req);
    });
    let connected = sub.status === 'ready';
    sub.on('close', () => (connected = false));
    sub.on('ready', () => {
      if (connected) return;
      connected = true;
      for (const channel of this.watchers.keys()) {
        if (!isCluster(sub)) void sub.ssubscribe(channel).catch(() => undefined);
        const runId = this.runIds.get(channel);
        if (!runId) continue;
        this.readAgain(channel, runId);
      }
    });
  }

  /** Tells the channel's watchers of a cancel found by a read, unless they were told already. */
  private tell(channel: string, req: CancelRequest): void {
    const set = this.watchers.get(channel);
    if (!set || this.told.has(channel)) return;
    this.told.add(channel);
    for (const w of set) w(req);
  }

  private readAgain(channel: string, runId: string): void {
    void this.cancelRequested(runId)
      .then((reason) => {
        if (reason !== null) this.tell(channel, { reason });
      })
      .catch(() => undefined);
  }

  private pollWhileWatching(): void {
    if (this.watchers.size === 0) {
      if (this.poll) clearInterval(this.poll);
      this.poll = null;
      return;
    }
    if (this.poll) return;
    this.poll = setInterval(() => {
      for (const [channel, runId] of this.runIds) if (!this.told.has(channel)) this.readAgain(channel, runId);
    }, this.pollMs);
    this.poll.unref();
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
    this.pollWhileWatching();
    const existing = await this.cancelRequested(runId);
    if (existing !== null) {
      if (this.told.has(channel)) onCancel({ reason: existing });
      else this.tell(channel, { reason: existing });
    }
    return () => {
      const s = this.watchers.get(channel);
      if (!s) return;
      s.delete(onCancel);
      if (s.size === 0) {
        this.watchers.delete(channel);
        this.runIds.delete(channel);
        this.told.delete(channel);
        this.pollWhileWatching();
        void this.sub.sunsubscribe(channel).catch(() => undefined);
      }
    };
  }
}
