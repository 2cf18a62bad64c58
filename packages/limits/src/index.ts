// Per-user and per-thread limits enforced in Redis, so every gateway sees the same counts: a
// request rate (rate-limiter-flexible), concurrent runs per user (leased slots that expire if a
// worker dies), one active run per thread, and open event streams per user (attach-limiter.ts).
// Breaches are TooManyRequests/Conflict with Retry-After.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Conflict, TooManyRequests } from '@switchyard/errors';
import { loadScripts, type RedisClient } from '@switchyard/redis-connection';
import { LeasedSlots } from './leased-slots.ts';

export { AttachLimiter, type AttachLease, type AttachLimitOptions } from './attach-limiter.ts';
export { LeasedSlots } from './leased-slots.ts';

const SCRIPTS = new URL('./scripts/thread-lock/', import.meta.url);

interface LimitCommands {
  syReleaseIfHolder(key: string, holder: string): Promise<number>;
}

export interface LimitSettings {
  /** POSTs to /chatkit per user per minute (0 = off). */
  requestsPerMinute: number;
  /** Runs a user may have in progress at once (0 = off). */
  concurrentRunsPerUser: number;
  /** How long a slot or thread lock lives if nobody releases it (a crashed worker). */
  leaseMs: number;
}

const threadKey = (threadId: string) => `{thread:${threadId}}:active-run`;

function tooMany(message: string, retryAfterMs: number): TooManyRequests {
  const err = new TooManyRequests(message);
  err.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return err;
}

export class Limits {
  private readonly rate: RateLimiterRedis | null;
  private readonly cmd: LimitCommands;
  private readonly runSlots: LeasedSlots;

  constructor(
    private readonly redis: RedisClient,
    private readonly settings: LimitSettings,
  ) {
    this.rate =
      settings.requestsPerMinute > 0
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: 'sy-rate',
            points: settings.requestsPerMinute,
            duration: 60,
            // While Redis is unreachable, count per process instead of refusing every request.
            insuranceLimiter: new RateLimiterMemory({ points: settings.requestsPerMinute, duration: 60 }),
          })
        : null;
    this.cmd = loadScripts<LimitCommands>(redis, SCRIPTS, { syReleaseIfHolder: true });
    this.runSlots = new LeasedSlots(redis, 'run-slots');
  }

  /** Counts one request against the user's rate. */
  async consumeRequest(owner: string): Promise<void> {
    if (!this.rate) return;
    try {
      await this.rate.consume(owner);
    } catch (res) {
      if (res instanceof RateLimiterRes)
        throw tooMany(`rate limit of ${this.settings.requestsPerMinute} requests per minute reached`, res.msBeforeNext);
      throw res;
    }
  }

  /**
   * One active run per thread. With `waitMs` 0 a second streaming request is refused at once;
   * otherwise it queues behind the running response for up to `waitMs` before it is refused.
   */
  async acquireThread(threadId: string, runId: string, waitMs = 0): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const ok = await this.redis.set(threadKey(threadId), runId, 'PX', this.settings.leaseMs, 'NX');
      if (ok === 'OK') return;
      if (Date.now() >= deadline)
        throw new Conflict(`thread ${threadId} already has a response in progress; wait for it to finish or cancel it`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async releaseThread(threadId: string, runId: string): Promise<void> {
    await this.cmd.syReleaseIfHolder(threadKey(threadId), runId);
  }

  async acquireRunSlot(owner: string, runId: string): Promise<void> {
    const limit = this.settings.concurrentRunsPerUser;
    if (limit <= 0) return;
    const wait = await this.runSlots.acquire(owner, runId, limit, this.settings.leaseMs);
    if (wait > 0) throw tooMany(`at most ${limit} responses may run at once for one user`, Math.min(wait, 10_000));
  }

  async releaseRunSlot(owner: string, runId: string): Promise<void> {
    await this.runSlots.release(owner, runId);
  }
}
