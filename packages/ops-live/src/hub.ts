// The gateway's ops hub: each tick it reads every live process snapshot and the queues' job counts,
// computes one point of figures, keeps the recent points and hands each new one to its subscribers.
import { QUEUE_STATES, type QueueState } from '@switchyard/metrics';
import type { Queue } from 'bullmq';
import { computePoint, type OpsPoint, type QueueReading, type WindowBase } from './figures.ts';
import { SeriesTotals } from './series-totals.ts';
import type { SnapshotReader } from './snapshot-reader.ts';

export interface HubQueue {
  name: string;
  queue: Pick<Queue, 'getJobCounts' | 'getWorkersCount'>;
}

export interface OpsHubOptions {
  snapshots: Pick<SnapshotReader, 'readLive'>;
  queues: readonly HubQueue[];
  /** Tick interval; also the publishers' interval (a snapshot older than 3 intervals is stale). */
  intervalMs: number;
  /** Points kept and sent to a page on connect (default 300 s). */
  historySeconds?: number;
  /** Rates and error ratios cover this much (default 10 s): short enough to follow a load change. */
  rateWindowSeconds?: number;
  /** Percentiles cover this much (default 60 s): enough observations for a p99 to mean something. */
  percentileWindowSeconds?: number;
  /** A tick failed (Redis unreachable, …); the page keeps its last point and shows it ageing. */
  onError?: (err: unknown) => void;
}

export type PointListener = (point: OpsPoint) => void;

/** Staleness in publish intervals: one missed publish is jitter, three is a process gone or hung. */
const STALE_INTERVALS = 3;

export class OpsHub {
  private readonly totals = new SeriesTotals();
  /** Totals at recent ticks, oldest first, spanning the longest window. */
  private readonly bases: WindowBase[] = [];
  private readonly points: OpsPoint[] = [];
  private readonly listeners = new Set<PointListener>();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<OpsPoint | null> | null = null;
  private readonly historyLength: number;
  private readonly rateWindowMs: number;
  private readonly percentileWindowMs: number;

  constructor(private readonly opts: OpsHubOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${opts.intervalMs}`);
    this.historyLength = Math.max(1, Math.ceil(((opts.historySeconds ?? 300) * 1000) / opts.intervalMs));
    this.rateWindowMs = (opts.rateWindowSeconds ?? 10) * 1000;
    this.percentileWindowMs = (opts.percentileWindowSeconds ?? 60) * 1000;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      if (this.inFlight) return; // a slow Redis never stacks ticks
      this.inFlight = this.tick()
        .catch((err: unknown) => {
          this.opts.onError?.(err);
          return null;
        })
        .finally(() => {
          this.inFlight = null;
        });
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    this.listeners.clear();
  }

  /** The recent points, oldest first. */
  history(): OpsPoint[] {
    return [...this.points];
  }

  subscribe(listener: PointListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads, computes and publishes one point (the timer calls this; tests may too). */
  async tick(): Promise<OpsPoint> {
    const [live, queues] = await Promise.all([
      this.opts.snapshots.readLive(STALE_INTERVALS * this.opts.intervalMs),
      Promise.all(this.opts.queues.map(readQueue)),
    ]);
    this.totals.add(live.snapshots);
    const base: WindowBase = { t: live.now, state: this.totals.state() };
    this.bases.push(base);
    while (this.bases.length > 1 && this.bases[1]!.t <= live.now - this.percentileWindowMs) this.bases.shift();
    const point = computePoint({
      t: live.now,
      now: base.state,
      rateBase: this.baseAtOrBefore(live.now - this.rateWindowMs),
      percentileBase: this.bases[0]!,
      queues,
      snapshots: live.snapshots,
    });
    this.points.push(point);
    if (this.points.length > this.historyLength) this.points.splice(0, this.points.length - this.historyLength);
    for (const listener of this.listeners) {
      try {
        listener(point);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
    return point;
  }

  /** The latest base no later than `t`, or the oldest one while history is shorter than the window. */
  private baseAtOrBefore(t: number): WindowBase {
    let found = this.bases[0]!;
    for (const b of this.bases) {
      if (b.t > t) break;
      found = b;
    }
    return found;
  }
}

async function readQueue(q: HubQueue): Promise<QueueReading> {
  const [counts, workers] = await Promise.all([q.queue.getJobCounts(...QUEUE_STATES), q.queue.getWorkersCount()]);
  const jobs = Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as Record<QueueState, number>;
  return { name: q.name, jobs, workers };
}
