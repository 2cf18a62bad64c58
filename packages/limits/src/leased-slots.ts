// A per-user count of things in progress that must not outlive their holder: a sorted set of holder
// ids scored by lease expiry, taken atomically under a limit, given back by id, and dropped by the next
// taker once its lease ended. Run slots and open-attach slots are both this.
import { loadScripts, type RedisClient } from '@switchyard/redis-connection';

const SCRIPTS = new URL('./scripts/leased-slots/', import.meta.url);

interface LeasedSlotCommands {
  syAcquireLeasedSlot(key: string, now: string, expiry: string, holder: string, limit: string): Promise<number>;
}

export class LeasedSlots {
  private readonly cmd: LeasedSlotCommands;

  /** `name` tells the slot sets apart: `{user:<owner>}:<name>`. */
  constructor(
    private readonly redis: RedisClient,
    private readonly name: string,
  ) {
    this.cmd = loadScripts<LeasedSlotCommands>(redis, SCRIPTS, { syAcquireLeasedSlot: true });
  }

  key(owner: string): string {
    return `{user:${owner}}:${this.name}`;
  }

  /** Takes a slot for `holder` until `leaseMs` from now: 0, or the ms until the earliest lease ends when all are taken. */
  async acquire(owner: string, holder: string, limit: number, leaseMs: number): Promise<number> {
    const now = Date.now();
    return this.cmd.syAcquireLeasedSlot(this.key(owner), String(now), String(now + leaseMs), holder, String(limit));
  }

  async release(owner: string, holder: string): Promise<void> {
    await this.redis.zrem(this.key(owner), holder);
  }

  /** Pushes these holders' leases forward; XX: a slot given back meanwhile is never brought back. */
  async renew(owner: string, holders: string[], leaseMs: number): Promise<void> {
    const expiry = Date.now() + leaseMs;
    const key = this.key(owner);
    await this.redis.zadd(key, 'XX', ...holders.flatMap((holder) => [expiry, holder]));
    await this.redis.pexpireat(key, expiry);
  }
}
