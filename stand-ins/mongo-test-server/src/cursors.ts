// Server-side cursors: results that did not fit the first batch, kept until getMore drains them or
// killCursors drops them. Server-wide, as on MongoDB, so any connection may continue a cursor.
import { Long } from 'bson';
import { CommandError } from './errors.ts';
import { encode } from './values.ts';
import type { Doc } from './values.ts';

/** The server's default first batch: 101 documents. */
const DEFAULT_FIRST_BATCH = 101;
/** A batch must fit one 16 MB reply document, with room for the reply's own fields. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024;
/** MongoDB's cursorTimeoutMillis: abandoned cursors must not pile up in a long-running dev server. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  ns: string;
  remaining: Doc[];
  lastUsed: number;
}

export interface BatchOptions {
  batchSize?: number;
  singleBatch?: boolean;
}

/** Up to `count` documents from the front of `docs` (at least one), within the reply size limit. */
function takeBatch(docs: Doc[], count: number): Doc[] {
  let taken = 0;
  let bytes = 0;
  while (taken < Math.min(count, docs.length)) {
    const doc = docs[taken];
    bytes += doc ? encode(doc).length : 0;
    if (taken > 0 && bytes > MAX_BATCH_BYTES) break;
    taken += 1;
  }
  return docs.splice(0, taken);
}

export class CursorRegistry {
  readonly #open = new Map<string, OpenCursor>();
  #lastId = 0;

  /** The `cursor` reply field of find, aggregate and the list commands. */
  open(ns: string, results: Doc[], { batchSize, singleBatch }: BatchOptions = {}): Doc {
    this.#closeIdle();
    const remaining = [...results];
    const firstBatch = takeBatch(remaining, batchSize ?? DEFAULT_FIRST_BATCH);
    let id = Long.ZERO;
    if (!singleBatch && remaining.length > 0) {
      id = Long.fromNumber(++this.#lastId);
      this.#open.set(id.toString(), { ns, remaining, lastUsed: Date.now() });
    }
    return { firstBatch, id, ns };
  }

  more(id: Long, batchSize: number | undefined): Doc {
    const key = id.toString();
    const cursor = this.#open.get(key);
    if (!cursor) throw new CommandError('CursorNotFound', `cursor id ${key} not found`);
    cursor.lastUsed = Date.now();
    // Without a batchSize the server returns as much as fits in one reply.
    const nextBatch = takeBatch(cursor.remaining, batchSize || Infinity);
    const exhausted = cursor.remaining.length === 0;
    if (exhausted) this.#open.delete(key);
    return { nextBatch, id: exhausted ? Long.ZERO : id, ns: cursor.ns };
  }

  /** Splits the ids into those that were open (and are now closed) and those that were not. */
  kill(ids: Long[]): { killed: Long[]; notFound: Long[] } {
    const killed = ids.filter((id) => this.#open.delete(id.toString()));
    return { killed, notFound: ids.filter((id) => !killed.includes(id)) };
  }

  #closeIdle(): void {
    const cutoff = Date.now() - IDLE_TIMEOUT_MS;
    for (const [key, cursor] of this.#open) if (cursor.lastUsed < cutoff) this.#open.delete(key);
  }
}
