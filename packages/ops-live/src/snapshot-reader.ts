// The read side of the snapshot store, on the gateways: one Lua script returns every snapshot
// published within the staleness window, stamped with the Redis clock, and deletes the older ones.
import { PUBLISHED_AT_KEY, SNAPSHOTS_KEY, parseSnapshot, type PublishedSnapshot } from '@switchyard/ops-snapshots';
import { loadScripts, type RedisClient } from '@switchyard/redis-connection';

const SCRIPTS = new URL('./scripts/', import.meta.url);

interface ReaderScripts {
  syReadLiveSnapshots(hash: string, times: string, maxAgeMs: string): Promise<Array<string | number>>;
}

export interface LiveSnapshots {
  /** The Redis server's clock (ms) at the read: the time base of every figure computed from it. */
  now: number;
  snapshots: PublishedSnapshot[];
  /** Entries that did not parse (another version during a rolling deploy). */
  invalid: number;
}

export class SnapshotReader {
  private readonly scripts: ReaderScripts;

  constructor(redis: RedisClient) {
    this.scripts = loadScripts<ReaderScripts>(redis, SCRIPTS, { syReadLiveSnapshots: true });
  }

  /** Snapshots published within `maxAgeMs`; older ones are deleted on the way. */
  async readLive(maxAgeMs: number): Promise<LiveSnapshots> {
    const reply = await this.scripts.syReadLiveSnapshots(SNAPSHOTS_KEY, PUBLISHED_AT_KEY, String(Math.max(0, Math.round(maxAgeMs))));
    const now = Number(reply[0]);
    const snapshots: PublishedSnapshot[] = [];
    let invalid = 0;
    for (let i = 1; i + 2 < reply.length; i += 3) {
      const snapshot = parseSnapshot(String(reply[i + 2]));
      if (snapshot && snapshot.id === String(reply[i])) snapshots.push({ ...snapshot, at: Number(reply[i + 1]) });
      else invalid++;
    }
    return { now, snapshots, invalid };
  }
}
