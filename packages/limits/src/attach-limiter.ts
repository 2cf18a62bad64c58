// The per-user cap on concurrently open SSE attaches (MAX_ATTACHES_PER_USER): the POST /chatkit
// streams and the re-attaches of GET /chatkit/runs/:runId/events together. It holds across gateways:
// each open stream holds a leased slot (`{user:<owner>}:attaches`, leased-slots.ts) released when the
// response closes. A gateway renews its open leases every third of the lease, so a gateway that dies
// without releasing them frees its users' slots within one lease (60 s by default). Over the cap the
// request is refused with 429 and Retry-After before any stream starts.
import { randomUUID } from 'node:crypto';
import { TooManyRequests } from '@switchyard/errors';
import type { RedisClient } from '@switchyard/redis-connection';
import { LeasedSlots } from './leased-slots.ts';

export interface AttachLimitOptions {
  /** Open attaches one user may hold across all gateways (0 = off). */
  maxPerUser: number;
  /** How long a lease lives unless renewed; renewed every third of it while the stream is open. */
  leaseMs?: number;
  /** Retry-After of a refusal: slots free whenever one of the user's streams closes. */
  retryAfterSeconds?: number;
}

/** One open attach's slot; `release` is idempotent and never throws. */
export interface AttachLease {
  release(): void;
}

const NO_LEASE: AttachLease = { release: () => undefined };

export class AttachLimiter {
  private readonly slots: LeasedSlots | null;
  private readonly leaseMs: number;
  /** This gateway's open leases (id → owner), renewed together. */
  private readonly open = new Map<string, string>();
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    redis: RedisClient,
    private readonly opts: AttachLimitOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.slots = opts.maxPerUser > 0 ? new LeasedSlots(redis, 'attaches') : null;
  }

  /** Takes a slot for one stream of `owner`, or throws TooManyRequests (429, Retry-After). */
  async acquire(owner: string): Promise<AttachLease> {
    const slots = this.slots;
    if (!slots) return NO_LEASE;
    const limit = this.opts.maxPerUser;
    const id = randomUUID();
    if ((await slots.acquire(owner, id, limit, this.leaseMs)) > 0) {
      const err = new TooManyRequests(`at most ${limit} event streams may be open at once for one user; close one and retry`);
      err.retryAfterSeconds = this.opts.retryAfterSeconds ?? 5;
      throw err;
    }
    this.open.set(id, owner);
    this.renewal ??= setInterval(() => void this.renew(), Math.max(1_000, Math.floor(this.leaseMs / 3))).unref();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open.delete(id);
        if (this.open.size === 0) {
          clearInterval(this.renewal);
          this.renewal = undefined;
        }
        void slots.release(owner, id).catch(() => undefined);
      },
    };
  }

  /** Open leases of this gateway (for tests and metrics). */
  get size(): number {
    return this.open.size;
  }

  private async renew(): Promise<void> {
    const slots = this.slots;
    if (!slots) return;
    const byOwner = new Map<string, string[]>();
    for (const [id, owner] of this.open) byOwner.set(owner, [...(byOwner.get(owner) ?? []), id]);
    await Promise.all([...byOwner].map(([owner, ids]) => slots.renew(owner, ids, this.leaseMs))).catch(() => undefined);
  }
}
