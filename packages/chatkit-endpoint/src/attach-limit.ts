// The per-user cap on concurrently open SSE attaches (MAX_ATTACHES_PER_USER): the POST /chatkit
// streams and the re-attaches of GET /chatkit/runs/:runId/events together. It holds across gateways:
// each open stream holds a lease in Redis, a sorted set per user (`{user:<owner>}:attaches`, member =
// lease id, score = lease expiry), taken atomically by one script and released when the response
// closes. A gateway renews its open leases every third of the lease, so a gateway that dies without
// releasing them frees its users' slots within one lease (60 s by default). Over the cap the request
// is refused with 429 and Retry-After before any stream starts.
import { randomUUID } from 'node:crypto';
import { TooManyRequests } from '@switchyard/errors';
import { loadScripts, type RedisClient } from '@switchyard/redis-connection';

const SCRIPTS = new URL('./scripts/', import.meta.url);

interface AttachLimitCommands {
  syAcquireAttachLease(key: string, now: string, expiry: string, leaseId: string, limit: string): Promise<number>;
}

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
const leasesKey = (owner: string) => `{user:${owner}}:attaches`;

export class AttachLimiter {
  private readonly cmd: AttachLimitCommands | null;
  private readonly leaseMs: number;
  /** This gateway's open leases (id → owner), renewed together. */
  private readonly open = new Map<string, string>();
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly opts: AttachLimitOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.cmd = opts.maxPerUser > 0 ? loadScripts<AttachLimitCommands>(redis, SCRIPTS, { syAcquireAttachLease: true }) : null;
  }

  /** Takes a slot for one stream of `owner`, or throws TooManyRequests (429, Retry-After). */
  async acquire(owner: string): Promise<AttachLease> {
    if (!this.cmd) return NO_LEASE;
    const limit = this.opts.maxPerUser;
    const id = randomUUID();
    const now = Date.now();
    const held = await this.cmd.syAcquireAttachLease(leasesKey(owner), String(now), String(now + this.leaseMs), id, String(limit));
    if (held > 0) {
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
        void this.redis.zrem(leasesKey(owner), id).catch(() => undefined);
      },
    };
  }

  /** Open leases of this gateway (for tests and metrics). */
  get size(): number {
    return this.open.size;
  }

  /** Pushes every open lease's expiry forward; XX: a lease released meanwhile is never brought back. */
  private async renew(): Promise<void> {
    const byOwner = new Map<string, string[]>();
    for (const [id, owner] of this.open) byOwner.set(owner, [...(byOwner.get(owner) ?? []), id]);
    const expiry = Date.now() + this.leaseMs;
    await Promise.all(
      [...byOwner].map(async ([owner, ids]) => {
        const key = leasesKey(owner);
        await this.redis.zadd(key, 'XX', ...ids.flatMap((id) => [expiry, id]));
        await this.redis.pexpireat(key, expiry);
      }),
    ).catch(() => undefined);
  }
}
