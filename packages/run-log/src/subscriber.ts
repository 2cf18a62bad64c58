// Attaching a client to a run from any gateway: subscribe to the run's live channel first, then
// read the log after the client's last seq, then forward live entries, each seq exactly once.
//
// A position at or past the end (a Last-Event-ID a client kept, or made up) never waits silently:
// - the run ended and `afterSeq` >= its terminal seq: the terminal entry is delivered at once, so the
//   stream ends straight away, empty (re-attaching to a finished run one has fully read);
// - the run is still going and `afterSeq` > its newest seq: `afterSeq` is taken as the current end,
//   so the client gets every entry appended from now on (their ids, lower than the one it sent,
//   show it that its position was not one of this run's) and the end, like any attached client.
import type { RedisClient } from '@switchyard/redis-connection';
import { decodeBatch, type RunLogEntry } from './entries.ts';
import { runKeys } from './keys.ts';
import type { RunLog } from './run-log.ts';

export interface AttachSink {
  /** Called for each entry in seq order, once per seq. */
  onEntry(entry: RunLogEntry): void;
  /** Called when the log can no longer serve the client (trimmed past its position, Redis error). */
  onError(err: Error): void;
}

export interface Attachment {
  /** Seq of the last entry delivered. */
  readonly lastSeq: number;
  /** Re-reads the log after `lastSeq`: recovers entries whose live message was lost (outages). */
  resync(): Promise<void>;
  detach(): void;
}

type Listener = (entries: RunLogEntry[]) => void;

export class RunLogSubscriber {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pendingSubscribes = new Map<string, Promise<unknown>>();
  /** Channels this connection is subscribed to: further attaches need no SSUBSCRIBE. */
  private readonly subscribed = new Set<string>();

  constructor(
    private readonly log: RunLog,
    /** A dedicated connection: it enters subscriber mode. */
    private readonly sub: RedisClient,
  ) {
    sub.on('smessage', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set || set.size === 0) return;
      const entries = decodeBatch(message);
      for (const l of set) l(entries);
    });
  }

  get activeChannels(): number {
    return this.listeners.size;
  }

  async attach(runId: string, afterSeq: number, sink: AttachSink): Promise<Attachment> {
    const channel = runKeys(runId).channel;
    let lastSeq = afterSeq;
    let live = false;
    let ended = false;
    let catchingUp: Promise<void> | null = null;
    const buffered: RunLogEntry[] = [];
    const log = this.log;

    const deliver = (e: RunLogEntry) => {
      if (ended || e.seq <= lastSeq) return;
      lastSeq = e.seq;
      if (e.kind === 'end') {
        ended = true;
        detach();
      }
      sink.onEntry(e);
    };

    const catchUp = async (): Promise<void> => {
      for (;;) {
        const page = await log.read(runId, lastSeq, 1_000);
        const first = page[0];
        if (first && first.seq > lastSeq + 1) {
          throw new Error(`run ${runId}: entries ${lastSeq + 1}..${first.seq - 1} were trimmed from the log`);
        }
        for (const e of page) deliver(e);
        if (page.length < 1_000 || ended) return;
      }
    };

    const runCatchUp = (): Promise<void> => {
      if (!catchingUp) {
        catchingUp = catchUp()
          .catch((err: unknown) => {
            detach();
            sink.onError(err instanceof Error ? err : new Error(String(err)));
          })
          .finally(() => {
            catchingUp = null;
            // Entries that arrived live during the catch-up.
            const pending = buffered.splice(0);
            for (const e of pending) onLive([e]);
          });
      }
      return catchingUp;
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
        tip = await log.last(runId);
      } catch (err) {
        detach();
        throw err;
      }
      if (tip?.kind === 'end' && tip.seq <= afterSeq) {
        // At or past the end of an ended run: nothing to send but the end itself.
        lastSeq = tip.seq;
        ended = true;
        detach();
        sink.onEntry(tip);
        return { lastSeq: tip.seq, resync: () => Promise.resolve(), detach: () => undefined };
      }
      // Past the newest entry of a running run: the current end (see the top of this file).
      if (!tip || tip.seq < afterSeq) lastSeq = tip?.seq ?? 0;
    }
    live = true;
    await runCatchUp();

    return {
      get lastSeq() {
        return lastSeq;
      },
      resync: () => (ended ? Promise.resolve() : runCatchUp()),
      detach,
    };
  }
}
