// The cross-instance control channel of a run: any gateway can ask for a cancel, and whichever
// worker holds the run hears it. The request is also recorded in the run's meta hash, so a worker
// that (re)starts the run later, or missed the message, still sees it.
import type { RedisClient } from '@switchyard/redis-connection';
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
    sub.on('smessage', (channel: string, message: string) => {
      const set = this.watchers.get(channel);
      if (!set) return;
      const req = JSON.parse(message) as CancelRequest;
      for (const w of set) w(req);
    });
  }

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
        void this.sub.sunsubscribe(channel).catch(() => undefined);
      }
    };
  }
}
