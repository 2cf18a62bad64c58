// Where process snapshots live in Redis: a hash (process id → JSON) and a sorted set of publish
// times, both hash-tagged `{sy:ops}` so each script touches one Redis Cluster slot.
import { readFileSync } from 'node:fs';
import type { RedisClient } from '@switchyard/redis-connection';
import { parseSnapshot, type ProcessSnapshot, type PublishedSnapshot } from './snapshot.ts';

export const SNAPSHOTS_KEY = '{sy:ops}:snapshots';
export const PUBLISHED_AT_KEY = '{sy:ops}:published-at';

const PUBLISH_LUA = readFileSync(new URL('./scripts/publish-snapshot-2keys.lua', import.meta.url), 'utf8');
const READ_LIVE_LUA = readFileSync(new URL('./scripts/read-live-snapshots-2keys.lua', import.meta.url), 'utf8');
const REMOVE_LUA = readFileSync(new URL('./scripts/remove-snapshot-2keys.lua', import.meta.url), 'utf8');

interface SnapshotCommands {
  syOpsPublish(hash: string, times: string, id: string, json: string, ttlSeconds: string): Promise<number>;
  syOpsReadLive(hash: string, times: string, maxAgeMs: string): Promise<Array<string | number>>;
  syOpsRemove(hash: string, times: string, id: string): Promise<number>;
}

export interface LiveSnapshots {
  /** The Redis server's clock (ms) at the read: the time base of every figure computed from it. */
  now: number;
  snapshots: PublishedSnapshot[];
  /** Entries that did not parse (another version during a rolling deploy). */
  invalid: number;
}

export class SnapshotStore {
  private readonly cmd: SnapshotCommands;

  constructor(redis: RedisClient) {
    const r = redis as unknown as Partial<SnapshotCommands>;
    if (!r.syOpsPublish) redis.defineCommand('syOpsPublish', { numberOfKeys: 2, lua: PUBLISH_LUA });
    if (!r.syOpsReadLive) redis.defineCommand('syOpsReadLive', { numberOfKeys: 2, lua: READ_LIVE_LUA });
    if (!r.syOpsRemove) redis.defineCommand('syOpsRemove', { numberOfKeys: 2, lua: REMOVE_LUA });
    this.cmd = redis as unknown as SnapshotCommands;
  }

  /** Stores a snapshot; returns its Redis-time stamp. The keys expire `ttlSeconds` after the last publish. */
  publish(snapshot: ProcessSnapshot, ttlSeconds: number): Promise<number> {
    return this.cmd.syOpsPublish(SNAPSHOTS_KEY, PUBLISHED_AT_KEY, snapshot.id, JSON.stringify(snapshot), String(Math.max(1, Math.ceil(ttlSeconds))));
  }

  /** Snapshots published within `maxAgeMs`; older ones are deleted on the way. */
  async readLive(maxAgeMs: number): Promise<LiveSnapshots> {
    const reply = await this.cmd.syOpsReadLive(SNAPSHOTS_KEY, PUBLISHED_AT_KEY, String(Math.max(0, Math.round(maxAgeMs))));
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

  async remove(id: string): Promise<void> {
    await this.cmd.syOpsRemove(SNAPSHOTS_KEY, PUBLISHED_AT_KEY, id);
  }
}
