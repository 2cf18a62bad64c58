// Chat metrics: what a ChatKit client experiences through the gateway (time to first event and to
// first model token, events and bytes relayed, open SSE connections, re-attaches, cancels) and how
// runs end (duration by outcome, recorded by the generation worker). No user, thread or run ids.
import type { Registry } from 'prom-client';
import {
  counter,
  gauge,
  histogram,
  type LabeledCounter,
  type LabeledHistogram,
  type MetricDefinition,
  type PlainCounter,
  type PlainGauge,
  type PlainHistogram,
} from './metric-kit.ts';

/** How a run ended (the run log's terminal entry). */
export type RunOutcome = 'completed' | 'cancelled' | 'failed';
export const RUN_OUTCOMES: readonly RunOutcome[] = ['completed', 'cancelled', 'failed'];

/** Who asked for a cancel: `POST /chatkit/runs/:id/cancel`, or the disconnect policy. */
export type CancelSource = 'request' | 'disconnect';
export const CANCEL_SOURCES: readonly CancelSource[] = ['request', 'disconnect'];

/** How a worker took over a run another attempt began (docs/resume.md). */
export type TakeOverPath = 'resumed' | 'regenerated';
export const TAKE_OVER_PATHS: readonly TakeOverPath[] = ['resumed', 'regenerated'];

/** Request → first SSE event: 11 ms p50 at light load, ~1 s p99 for a burst of 100 (docs/benchmarks.md). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** First model token: dominated by the model's own latency. */
const TOKEN_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60] as const;
/** Whole runs: seconds to many minutes with tools and images. */
const RUN_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800] as const;

export const CHAT_METRICS = {
  timeToFirstEvent: {
    name: 'switchyard_time_to_first_event_seconds',
    type: 'histogram',
    help: 'Time from a streaming POST /chatkit arriving at the gateway to its first SSE event written (re-attaches excluded).',
    labelNames: [],
    buckets: LATENCY_BUCKETS,
  },
  timeToFirstToken: {
    name: 'switchyard_time_to_first_token_seconds',
    type: 'histogram',
    help: 'Time from a streaming POST /chatkit arriving at the gateway to the first model text delta written to the client.',
    labelNames: [],
    buckets: TOKEN_BUCKETS,
  },
  runDuration: {
    name: 'switchyard_run_duration_seconds',
    type: 'histogram',
    help: 'Time from a run being enqueued to its terminal entry, by outcome (completed, cancelled, failed).',
    labelNames: ['outcome'],
    buckets: RUN_BUCKETS,
  },
  sseEventsRelayed: {
    name: 'switchyard_sse_events_relayed_total',
    type: 'counter',
    help: 'SSE event frames written to clients.',
    labelNames: [],
  },
  sseBytesRelayed: {
    name: 'switchyard_sse_bytes_relayed_total',
    type: 'counter',
    help: 'Bytes written to SSE clients (event frames and keep-alive comments, headers excluded).',
    labelNames: [],
  },
  sseConnectionsOpen: {
    name: 'switchyard_sse_connections_open',
    type: 'gauge',
    help: 'SSE responses currently open on this gateway.',
    labelNames: [],
  },
  reattaches: {
    name: 'switchyard_reattaches_total',
    type: 'counter',
    help: 'Re-attaches to a run (GET /chatkit/runs/:runId/events).',
    labelNames: [],
  },
  cancels: {
    name: 'switchyard_cancels_total',
    type: 'counter',
    help: 'Run cancels requested, by source (request: the cancel route; disconnect: the disconnect policy).',
    labelNames: ['source'],
  },
  takeOvers: {
    name: 'switchyard_run_takeovers_total',
    type: 'counter',
    help: 'Runs a generation worker took over from an earlier attempt (crash, drain hand-off), by path: resumed (the model response continued, MODEL_BACKGROUND) or regenerated (the answer made again).',
    labelNames: ['path'],
  },
} as const satisfies Record<string, MetricDefinition>;

export interface ChatMetrics {
  timeToFirstEvent: PlainHistogram;
  timeToFirstToken: PlainHistogram;
  runDuration: LabeledHistogram<{ outcome: RunOutcome }>;
  sseEventsRelayed: PlainCounter;
  sseBytesRelayed: PlainCounter;
  sseConnectionsOpen: PlainGauge;
  reattaches: PlainCounter;
  cancels: LabeledCounter<{ source: CancelSource }>;
  takeOvers: LabeledCounter<{ path: TakeOverPath }>;
}

export function registerChatMetrics(registry: Registry): ChatMetrics {
  const d = CHAT_METRICS;
  return {
    timeToFirstEvent: histogram(registry, d.timeToFirstEvent),
    timeToFirstToken: histogram(registry, d.timeToFirstToken),
    runDuration: histogram(registry, d.runDuration),
    sseEventsRelayed: counter(registry, d.sseEventsRelayed),
    sseBytesRelayed: counter(registry, d.sseBytesRelayed),
    sseConnectionsOpen: gauge(registry, d.sseConnectionsOpen),
    reattaches: counter(registry, d.reattaches),
    cancels: counter(registry, d.cancels),
    takeOvers: counter(registry, d.takeOvers),
  };
}

/** Gateway series with known label values start at zero, so rates and alerts see them at once. */
export function zeroGatewayChatMetrics(chat: ChatMetrics): void {
  for (const source of CANCEL_SOURCES) chat.cancels.inc({ source }, 0);
}

/** Generation-worker series with known label values start at zero. */
export function zeroWorkerChatMetrics(chat: ChatMetrics): void {
  for (const outcome of RUN_OUTCOMES) chat.runDuration.zero({ outcome });
  for (const path of TAKE_OVER_PATHS) chat.takeOvers.inc({ path }, 0);
}
