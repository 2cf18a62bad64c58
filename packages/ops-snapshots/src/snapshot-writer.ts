// The write side of the snapshot store: one Lua script stores a process's snapshot stamped with the
// Redis clock, another removes it when the process stops.
import { loadScripts, type RedisClient } from '@switchyard/redis-connection';
import { PUBLISHED_AT_KEY, SNAPSHOTS_KEY } from './keys.ts';
import type { ProcessSnapshot } from './snapshot.ts';

const SCRIPTS = new URL('./scripts/', import.meta.url);

interface WriterScripts {
  syPublishSnapshot(hash: string, times: string, id: string, json: string, ttlSeconds: string): Promise<number>;
  syRemoveSnapshot(hash: string, times: string, id: string): Promise<number>;
}

export class SnapshotWriter {
  private readonly scripts: WriterScripts;

  constructor(redis: RedisClient) {
    this.scripts = loadScripts<WriterScripts>(redis, SCRIPTS, { syPublishSnapshot: true, syRemoveSnapshot: true });
  }

  /** Stores a snapshot; returns its Redis-time stamp. The keys expire `ttlSeconds` after the last publish. */
  publish(snapshot: ProcessSnapshot, ttlSeconds: number): Promise<number> {
    return this.scripts.syPublishSnapshot(
      SNAPSHOTS_KEY,
      PUBLISHED_AT_KEY,
      snapshot.id,
      JSON.stringify(snapshot),
      String(Math.max(1, Math.ceil(ttlSeconds))),
    );
  }

  async remove(id: string): Promise<void> {
    await this.scripts.syRemoveSnapshot(SNAPSHOTS_KEY, PUBLISHED_AT_KEY, id);
  }
}
