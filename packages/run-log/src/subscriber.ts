// Attaching a client to a run from any gateway: subscribe to the run's live channel first, then
// read the log after the client's last seq, then forward live entries, each seq exactly once.
//
// A position at or past the end (a Last-Event-ID a client kept, or made up) never waits silently:
// - the run ended and `afterSeq` >= its terminal seq: the terminal entry is delivered at once, so the
//   stream ends straight away, empty (re-attaching to a finished run one has fully read);
// - the run is still going and `afterSeq` > its newest seq: `afterSeq` is taken as the current end,
//   so the client gets every entry appended from now on (their ids, lower than the one it sent,
//   show it that its position was not one of this run's) and the end, like any attached client.
//
// Redis going away does not end an attachment. Its subscription comes back with the connection:
// ioredis 6's autoResubscribe covers SSUBSCRIBE, but on a single node it re-issues them with nobody
// handling a failure, so a connection lost again right after it returned would fail them as unhandled
// rejections (a crash); this class turns it off there and re-issues the subscriptions itself (a
// cluster's shard subscribers resubscribe with their failures handled). Live messages published
// meanwhile are lost, so every attachment resyncs from the log once the subscriptions are back. When
// the subscriber connection drops, every attachment starts a resync at once: it waits for Redis, and
// so measures the outage. An attachment gives up (sink.onError) only when a read fails (a connection
// fails its commands after its outage window, REDIS_OUTAGE_WINDOW_MS) or is not answered within
// `outageWindowMs` (a connection that hangs instead of closing), or when the log was trimmed past
// its position.
import { DEFAULT_OUTAGE_WINDOW_MS, isCluster, type RedisClient } from '@switchyard/redis-connection';
import { decodeBatch, type RunLogEntry } from './entries.ts';
import { runKeys } from './keys.ts';
import type { RunLog } from './run-log.ts';

export interface AttachSink {
  /** Called for each entry in seq order, once per seq. */
  onEntry(entry: RunLogEntry): void;
  /**
   * Called once when the log can no longer serve the client: trimmed past its position, or Redis
   * unreachable for longer than the outage window. Nothing reaches the sink afterwards.
   */
  onError(err: Error): void;
}

export interface Attachment {
  /** Seq of the last entry delivered. */
  readonly lastSeq: number;
  /** Re-reads the log after `lastSeq`: recovers entries whose live message was lost (outages). Never rejects. */
  resync(): Promise<void>;
  detach(): void;
}

export interface RunLogSubscriberOptions {
  /** How long one log read may wait for Redis before the attachment gives up (default 15 s, REDIS_OUTAGE_WINDOW_MS). */
  outageWindowMs?: number;
}

type Listener = (entries: RunLogEntry[]) => void;

const PAGE = 1_000;

/** `p`, or a rejection once `ms` passed without an answer. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within the ${ms} ms outage window`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export class RunLogSubscriber {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pendingSubscribes = new Map<string, Promise<unknown>>();
  /** Channels this connection is subscribed to: further attaches need no SSUBSCRIBE. */
  private readonly subscribed = new Set<string>();
  /** The resync of every live attachment, run when the subscriber connection drops and comes back. */
  private readonly resyncs = new Set<() => void>();
  private readonly outageWindowMs: number;
  private connected: boolean;

  constructor(
    private readonly log: RunLog,
    /** A dedicated connection: it enters subscriber mode. */
    private readonly sub: RedisClient,
    opts: RunLogSubscriberOptions = {},
  ) {
    this.outageWindowMs = opts.outageWindowMs ?? DEFAULT_OUTAGE_WINDOW_MS;
    this.connected = sub.status === 'ready';
    if (!isCluster(sub)) sub.options.autoResubscribe = false;
    sub.on('smessage', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set || set.size === 0) return;
      const entries = decodeBatch(message);
      for (const l of set) l(entries);
    });
    sub.on('close', () => {
      // Once per outage (ioredis emits 'close' after every failed reconnect attempt too).
      if (!this.connected) return;
      this.connected = false;
      this.resyncAll();
    });
    sub.on('ready', () => {
      this.connected = true;
      if (isCluster(sub)) {
        // The cluster resubscribes on its shard connections: the heartbeats' resyncs and the gap
        // check of the next live message cover what it misses.
        this.resyncAll();
        return;
      }
      // Confirmed subscriptions only: one still in flight when the connection dropped is sent again by
      // ioredis (autoResendUnfulfilledCommands), one issued while it was down waits in its offline queue.
      // A failure here is retried on the next 'ready'.
      for (const channel of this.subscribed) void sub.ssubscribe(channel).catch(() => undefined);
      if (this.resyncs.size === 0) return;
      // Answered after the SSUBSCRIBEs before it: a read from then on misses nothing published later.
      void sub
        .ping()
        .catch(() => undefined)
        .then(() => this.resyncAll());
    });
  }

  get activeChannels(): number {
    return this.listeners.size;
  }

  private resyncAll(): void {
    for (const resync of [...this.resyncs]) resync();
  }

  async attach(runId: string, afterSeq: number, sink: AttachSink): Promise<Attachment> {
    const channel = runKeys(runId).channel;
    let lastSeq = afterSeq;
    let live = false;
    /** Ended (terminal entry delivered) or given up (onError called): the sink hears nothing more. */
    let done = false;
    let catchingUp: Promise<void> | null = null;
    const buffered: RunLogEntry[] = [];
    const log = this.log;
    const windowMs = this.outageWindowMs;

    const deliver = (e: RunLogEntry) => {
      if (done || e.seq <= lastSeq) return;
      lastSeq = e.seq;
      if (e.kind === 'end') {
        done = true;
        detach();
      }
      sink.onEntry(e);
    };

    const giveUp = (err: unknown) => {
      if (done) return;
      done = true;
      detach();
      sink.onError(err instanceof Error ? err : new Error(String(err)));
    };

    const catchUp = async (): Promise<void> => {
      for (;;) {
        const page = await within(log.read(runId, lastSeq, PAGE), windowMs, `run ${runId}: reading the log`);
        if (done) return;
        const first = page[0];
        if (first && first.seq > lastSeq + 1) {
          throw new Error(`run ${runId}: entries ${lastSeq + 1}..${first.seq - 1} were trimmed from the log`);
        }
        for (const e of page) deliver(e);
        if (page.length < PAGE || done) return;
      }
    };

    const runCatchUp = (): Promise<void> => {
      if (!catchingUp) {
        catchingUp = catchUp()
          .catch(giveUp)
          .finally(() => {
            catchingUp = null;
            // Entries that arrived live during the catch-up.
            const pending = buffered.splice(0);
            for (const e of pending) onLive([e]);
          });
      }
      return catchingUp;
    };
    const kick = () => {
      if (live && !done) void runCatchUp();
    };

    const onLive: Listener = (entries) => {
      if (!live || catchingUp) {
        buffered.push(...entries);
        return;
      }
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (e.seq > lastSeq + 1) {
          // A live message was lost (e.g. across a reconnect): fetch the gap from the log.
          buffered.push(...entries.slice(i));
          void runCatchUp();
          return;
        }
        deliver(e);
      }
    };

    const detach = () => {
      this.resyncs.delete(kick);
      const set = this.listeners.get(channel);
      if (!set) return;
      set.delete(onLive);
      if (set.size === 0) {
        this.listeners.delete(channel);
        // Forget the subscription first: the next attach issues its own SSUBSCRIBE, which the
        // connection runs after this SUNSUBSCRIBE.
        this.subscribed.delete(channel);
        this.pendingSubscribes.delete(channel);
        void this.sub.sunsubscribe(channel).catch(() => undefined);
      }
    };

    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(onLive);
    if (!this.subscribed.has(channel)) {
      let subscribing = this.pendingSubscribes.get(channel);
      if (!subscribing) {
        const current: Promise<unknown> = this.sub.ssubscribe(channel).then(
          () => {
            // Still the live request (no detach since): later attaches can skip the round trip.
            if (this.pendingSubscribes.get(channel) !== current) return;
            this.pendingSubscribes.delete(channel);
            this.subscribed.add(channel);
          },
          (err: unknown) => {
            // A failed subscribe must not poison later attaches: they try again.
            if (this.pendingSubscribes.get(channel) === current) this.pendingSubscribes.delete(channel);
            throw err;
          },
        );
        subscribing = current;
        this.pendingSubscribes.set(channel, current);
      }
      try {
        await subscribing;
      } catch (err) {
        detach();
        throw err;
      }
    }
    if (afterSeq > 0) {
      // Subscribed first, so anything appended after this read arrives live (buffered until `live`).
      let tip: RunLogEntry | null;
      try {
        tip = await within(log.last(runId), windowMs, `run ${runId}: reading the log's tip`);
      } catch (err) {
        detach();
        throw err;
      }
      if (tip?.kind === 'end' && tip.seq <= afterSeq) {
        // At or past the end of an ended run: nothing to send but the end itself.
        lastSeq = tip.seq;
        done = true;
        detach();
        sink.onEntry(tip);
        return { lastSeq: tip.seq, resync: () => Promise.resolve(), detach: () => undefined };
      }
      // Past the newest entry of a running run: the current end (see the top of this file).
      if (!tip || tip.seq < afterSeq) lastSeq = tip?.seq ?? 0;
    }
    live = true;
    this.resyncs.add(kick);
    await runCatchUp();

    return {
      get lastSeq() {
        return lastSeq;
      },
      resync: () => (done ? Promise.resolve() : runCatchUp()),
      detach: () => {
        done = true;
        detach();
      },
    };
  }
}
