// The durable, bounded log of one run: created by the gateway, appended by workers through one
// atomic script per batch, read back by any gateway that attaches a client.
import { isCluster, loadScripts, type RedisClient } from '@switchyard/redis-connection';
import { AppendCoalescer } from './append-coalescer.ts';
import { decodeEntry, encodeEntry, type PendingEntry, type RunLogEntry } from './entries.ts';
import { RunEndedError, RunFencedError, RunLogFullError, RunLogMissingError } from './errors.ts';
import { runKeys } from './keys.ts';

const SCRIPTS = new URL('./scripts/', import.meta.url);

interface RunLogScripts {
  /** Keys count, then three keys per batch, then per batch its argument count and arguments. */
  syAppendBatches(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number[]>;
  syNoteSavedItem(meta: string, fence: string, itemId: string): Promise<number>;
  syClaimRun(meta: string, resume: string, fence: string): Promise<[-1] | [0] | [1, string, number, number, string, string]>;
  sySaveResumePoint(meta: string, resume: string, fence: string, point: string, ttlSeconds: string): Promise<number>;
}

/**
 * Where a previous attempt's model response can be continued (docs/resume.md): the response, the
 * app's state saved when it began, and how many of the events the app yielded for it are in the log.
 */
export interface ResumePoint {
  /** null: a model call had begun and no response of it was known. */
  responseId: string | null;
  /** The app's opaque state (for the agent runtime: its serialized run state and converter state). */
  state: string;
  /** Events of this response whose log entries are all in the log. */
  delivered: number;
}

/** A checkpoint as the append script stores it: `<response id> <events delivered>`. */
export function formatCheckpoint(responseId: string, delivered: number): string {
  return `${responseId} ${delivered}`;
}

function resumePointOf(checkpoint: string, saved: string): ResumePoint | null {
  if (!saved) return null;
  const { responseId, state } = JSON.parse(saved) as { responseId: string | null; state: string };
  const [cpResponse, cpDelivered] = checkpoint.split(' ');
  // A checkpoint of an earlier response: nothing of this one reached the log yet.
  return { responseId, state, delivered: responseId !== null && cpResponse === responseId ? Number(cpDelivered) : 0 };
}

export interface RunMeta {
  runId: string;
  owner: string;
  threadId: string;
  seq: number;
  bytes: number;
  /** Seq of the terminal entry once the run ended. */
  endedAt?: number;
  /** W3C traceparent of the request that started the run: re-attaches link to its trace. */
  traceparent?: string;
}

export interface RunLogLimits {
  maxEntries: number;
  /** Bytes of entries one run may append; beyond it only an ending batch is accepted. */
  maxBytes?: number;
  ttlSeconds: number;
  orphanTtlSeconds: number;
}

export class RunLog {
  private readonly scripts: RunLogScripts;
  /**
   * Batch-tokened appends of one event-loop turn, carried by one script call (append-coalescer.ts).
   * Not on a cluster: one call's keys must share a hash slot, and each run has its own.
   */
  readonly coalescer: AppendCoalescer | null;

  constructor(
    readonly redis: RedisClient,
    readonly limits: RunLogLimits,
    opts: { coalesceAppends?: boolean } = {},
  ) {
    this.scripts = loadScripts<RunLogScripts>(redis, SCRIPTS, {
      syAppendBatches: true,
      syNoteSavedItem: true,
      syClaimRun: true,
      sySaveResumePoint: true,
    });
    this.coalescer =
      (opts.coalesceAppends ?? true) && !isCluster(redis)
        ? new AppendCoalescer((keys, args) => this.scripts.syAppendBatches(keys.length, ...keys, ...args))
        : null;
  }

  /** Registers a run before its first entry; the keys expire on their own if nobody ends it. */
  async createRun(runId: string, owner: string, threadId: string, opts: { traceparent?: string } = {}): Promise<void> {
    const k = runKeys(runId);
    await this.redis
      .multi()
      .hset(k.meta, {
        owner,
        threadId,
        seq: 0,
        bytes: 0,
        createdAt: Date.now(),
        ...(opts.traceparent ? { traceparent: opts.traceparent } : {}),
      })
      .expire(k.meta, this.limits.orphanTtlSeconds)
      .exec();
  }

  async meta(runId: string): Promise<RunMeta | null> {
    const h = await this.redis.hgetall(runKeys(runId).meta);
    if (!h.owner || !h.threadId) return null;
    return {
      runId,
      owner: h.owner,
      threadId: h.threadId,
      seq: Number(h.seq ?? 0),
      bytes: Number(h.bytes ?? 0),
      ...(h.ended ? { endedAt: Number(h.ended) } : {}),
      ...(h.traceparent ? { traceparent: h.traceparent } : {}),
    };
  }

  /**
   * Appends entries atomically and publishes them. Returns the first assigned seq, or 0 when
   * `dedupeToken` was already used (a retried job re-appending the same events). A call whose
   * `batchToken` names the last batch appended is that call sent again after its reply was lost in a
   * reconnect: it appends nothing and returns the first call's first seq.
   */
  async append(
    runId: string,
    entries: PendingEntry[],
    opts: { dedupeToken?: string; fence?: string; batchToken?: string; checkpoint?: string } = {},
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const k = runKeys(runId);
    const hasEnd = entries.some((e) => e.kind === 'end');
    const ttl = hasEnd ? this.limits.ttlSeconds : this.limits.orphanTtlSeconds;
    const keys: [string, string, string] = [k.log, k.meta, k.channel];
    const args = [
      String(this.limits.maxEntries),
      String(ttl),
      opts.dedupeToken ?? '',
      opts.fence ?? '',
      String(this.limits.maxBytes ?? 64 * 1024 * 1024),
      opts.batchToken ?? '',
      opts.checkpoint ?? '',
      ...entries.map(encodeEntry),
    ];
    // Only a batch-tokened append may share a call: a call re-sent after a reconnect repeats every batch in it.
    const first =
      this.coalescer && opts.batchToken
        ? await this.coalescer.append({ runId, keys, args })
        : (await this.scripts.syAppendBatches(3, ...keys, String(args.length), ...args))[0];
    if (typeof first !== 'number') throw new Error(`append script answered no seq for run ${runId}`);
    if (first === -1) throw new RunEndedError(`run ${runId} already ended`);
    if (first === -2) throw new RunFencedError(`run ${runId} is owned by another attempt`);
    if (first === -3) throw new RunLogFullError(`run ${runId} reached its run-log byte budget`);
    return first;
  }

  /** Entries with seq > afterSeq, oldest first, up to `count`. */
  async read(runId: string, afterSeq: number, count = 1_000): Promise<RunLogEntry[]> {
    const rows = await this.redis.xrange(runKeys(runId).log, `(0-${afterSeq}`, '+', 'COUNT', count);
    return rows.map(([id, fields]) => decodeEntry(Number(id.slice(2)), fields[1] ?? ''));
  }

  /** The newest entry (the terminal one once the run ended: nothing is appended after it), or null. */
  async last(runId: string): Promise<RunLogEntry | null> {
    const [row] = await this.redis.xrevrange(runKeys(runId).log, '+', '-', 'COUNT', 1);
    return row ? decodeEntry(Number(row[0].slice(2)), row[1][1] ?? '') : null;
  }

  /**
   * Makes `fence` the run's owning attempt and returns the seq the previous owner reached, so a
   * worker taking a run over knows what the client may already have seen. Throws RunEndedError
   * when the run already ended (checked atomically with the claim), RunLogMissingError when it has
   * no log (the worker's one read of the run before it starts: no separate meta read).
   */
  async claim(
    runId: string,
    fence: string,
  ): Promise<{ previousFence: string | null; seq: number; prefixEnd: number; resumePoint: ResumePoint | null }> {
    const k = runKeys(runId);
    const r = await this.scripts.syClaimRun(k.meta, k.resume, fence);
    // Atomic with the check: a run ended since the caller looked is not taken over.
    if (r[0] === -1) throw new RunLogMissingError(`run ${runId} has no run log (expired or never created)`);
    if (r[0] === 0) throw new RunEndedError(`run ${runId} already ended`);
    const [, prev, seq, prefixEnd, checkpoint, saved] = r;
    return {
      previousFence: prev === '' ? null : prev,
      seq: Number(seq),
      prefixEnd: Number(prefixEnd),
      resumePoint: resumePointOf(checkpoint, saved),
    };
  }

  /** The run's resume point as a take-over would find it now (null: none). */
  async resumePoint(runId: string): Promise<ResumePoint | null> {
    const k = runKeys(runId);
    const [checkpoint, saved] = await Promise.all([this.redis.hget(k.meta, 'checkpoint'), this.redis.get(k.resume)]);
    return resumePointOf(checkpoint ?? '', saved ?? '');
  }

  /** Drops the run's resume point (the run ended: nothing will continue it). */
  async forgetResumePoint(runId: string): Promise<void> {
    await this.redis.del(runKeys(runId).resume);
  }

  /**
   * Records where a later attempt can continue the model response `fence`'s attempt just began.
   * Refused like an append when the run ended or another attempt owns it.
   */
  async saveResumePoint(runId: string, fence: string, point: { responseId: string | null; state: string } | null): Promise<void> {
    const k = runKeys(runId);
    const r = await this.scripts.sySaveResumePoint(
      k.meta,
      k.resume,
      fence,
      point ? JSON.stringify(point) : '',
      String(this.limits.orphanTtlSeconds),
    );
    if (r === -1) throw new RunEndedError(`run ${runId} already ended`);
    if (r === -2) throw new RunFencedError(`run ${runId} is owned by another attempt`);
  }

  /** Whether an attempt noted this item for deletion (noteSavedItem): a take-over regenerating the run notes what it removes. */
  async isNoted(runId: string, itemId: string): Promise<boolean> {
    return (await this.redis.hexists(runKeys(runId).meta, `saved:${itemId}`)) === 1;
  }

  /** Whether an append with this dedupe token was made (a retried job asking whether its earlier try got that far). */
  async dedupeUsed(runId: string, dedupeToken: string): Promise<boolean> {
    return (await this.redis.hexists(runKeys(runId).meta, `dedupe:${dedupeToken}`)) === 1;
  }

  /** Whether `fence` still owns the run: checked after a store write that may have raced a take-over. */
  async owns(runId: string, fence: string): Promise<boolean> {
    return (await this.redis.hget(runKeys(runId).meta, 'fence')) === fence;
  }

  /**
   * Records that the attempt `fence` is about to save an item no log entry shows (hidden items, items
   * kept on cancel), so a worker taking the run over can delete it. Refused like an append when the
   * run ended or another attempt owns it.
   */
  async noteSavedItem(runId: string, fence: string, itemId: string): Promise<void> {
    const r = await this.scripts.syNoteSavedItem(runKeys(runId).meta, fence, itemId);
    if (r === -1) throw new RunEndedError(`run ${runId} already ended`);
    if (r === -2) throw new RunFencedError(`run ${runId} is owned by another attempt`);
  }

  /** Items previous attempts noted with noteSavedItem. */
  async notedItems(runId: string): Promise<string[]> {
    const h = await this.redis.hgetall(runKeys(runId).meta);
    return Object.keys(h)
      .filter((f) => f.startsWith('saved:'))
      .map((f) => f.slice('saved:'.length));
  }

  /** Marks the end of the gateway's set-up events; everything after belongs to a worker attempt. */
  async markPrefixEnd(runId: string, seq: number): Promise<void> {
    await this.redis.hset(runKeys(runId).meta, 'prefixEnd', seq);
  }

  /** Counts SSE clients attached to a run across gateways (the grace disconnect policy reads it). */
  async adjustAttached(runId: string, delta: number): Promise<number> {
    return this.redis.hincrby(runKeys(runId).meta, 'attached', delta);
  }

  async attachedCount(runId: string): Promise<number> {
    return Number((await this.redis.hget(runKeys(runId).meta, 'attached')) ?? 0);
  }
}
