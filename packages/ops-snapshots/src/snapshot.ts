// The process snapshot: what every process publishes about itself for the live operations page
// (identity, the samples of the metrics the page shows, a worker's load), and its validated wire form.
import { hostname } from 'node:os';
import { CHAT_METRICS, IMAGE_METRICS, QUEUE_METRICS } from '@switchyard/metrics';
import { z } from 'zod';

/**
 * Only the metrics the page computes from are published: a process's whole registry (default
 * process metrics, model series) would be several times larger and every gateway reads every
 * snapshot each second.
 */
export const OPS_METRIC_NAMES: readonly string[] = [
  CHAT_METRICS.timeToFirstEvent.name,
  CHAT_METRICS.runDuration.name,
  QUEUE_METRICS.waitTime.name,
  QUEUE_METRICS.processingTime.name,
  IMAGE_METRICS.ingestLatency.name,
  IMAGE_METRICS.rejects.name,
];

/** A worker's load when the snapshot was taken. */
export interface WorkerLoad {
  queue: string;
  /** Jobs its processor is running now. */
  active: number;
  /** The most it runs at once (WORKER_CONCURRENCY, INGEST_CONCURRENCY). */
  concurrency: number;
}

/** One sample: the series name (`…_bucket`, `…_count` for histograms), its labels, its value. */
export type Sample = [name: string, labels: Record<string, string>, value: number];

export interface ProcessSnapshot {
  v: 1;
  /** `<hostname>:<pid>`: unique per process, new after a restart (so counters never go backwards under one id). */
  id: string;
  component: string;
  samples: Sample[];
  load?: WorkerLoad;
}

/** A snapshot as read back, with the Redis server time (ms) of its publication. */
export interface PublishedSnapshot extends ProcessSnapshot {
  at: number;
}

const snapshotSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  component: z.string().min(1),
  samples: z.array(z.tuple([z.string(), z.record(z.string(), z.string()), z.number()])),
  load: z.object({ queue: z.string(), active: z.number().int().nonnegative(), concurrency: z.number().int().nonnegative() }).optional(),
});

/** Parses a stored snapshot; null for anything that is not one (e.g. a future version during a deploy). */
export function parseSnapshot(json: string): ProcessSnapshot | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  const parsed = snapshotSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function processId(): string {
  return `${hostname()}:${process.pid}`;
}

/** The slice of a prom-client Registry a snapshot is taken from. */
export interface MetricsSource {
  getMetricsAsJSON(): Promise<
    Array<{ name: string; values: Array<{ value: number; labels: Partial<Record<string, string | number>>; metricName?: string }> }>
  >;
}

/** The component label every series carries is the snapshot's `component`: dropped from samples. */
const DROPPED_LABELS = new Set(['component']);

function cleanLabels(labels: Partial<Record<string, string | number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, l] of Object.entries(labels)) if (l !== undefined && !DROPPED_LABELS.has(k)) out[k] = String(l);
  return out;
}

/** One histogram's identity among its label sets: its labels without the bucket bound. */
function histogramKey(name: string, labels: Record<string, string>): string {
  const { le: _le, ...rest } = labels;
  return `${name.replace(/_(bucket|count)$/, '')}${JSON.stringify(Object.entries(rest).sort())}`;
}

/**
 * Series that have counted nothing are left out (a reader takes an absent series as zero), and so
 * are histogram sums, which no figure uses: every process registers every metric, but each records
 * only a few, and the gateways read every snapshot every second.
 */
export async function takeSnapshot(
  source: MetricsSource,
  identity: { id: string; component: string },
  load?: WorkerLoad,
): Promise<ProcessSnapshot> {
  const wanted = new Set(OPS_METRIC_NAMES);
  const samples: Sample[] = [];
  for (const metric of await source.getMetricsAsJSON()) {
    if (!wanted.has(metric.name)) continue;
    const values = metric.values.map((v) => ({ name: v.metricName ?? metric.name, labels: cleanLabels(v.labels), value: v.value }));
    const emptyHistograms = new Set(
      values.filter((v) => v.name.endsWith('_count') && v.value === 0).map((v) => histogramKey(v.name, v.labels)),
    );
    for (const v of values) {
      if (v.name.endsWith('_sum')) continue;
      const histogram = v.name.endsWith('_bucket') || v.name.endsWith('_count');
      if (histogram ? emptyHistograms.has(histogramKey(v.name, v.labels)) : v.value === 0) continue;
      samples.push([v.name, v.labels, v.value]);
    }
  }
  return { v: 1, id: identity.id, component: identity.component, samples, ...(load ? { load } : {}) };
}
