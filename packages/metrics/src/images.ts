// Image metrics: ingest latency (the generation worker receiving an upstream image frame → the URL
// event appended to the run log, which the client receives within relay latency), bytes stored in
// the blob store, and rejected images by reason.
import type { Registry } from 'prom-client';
import { counter, histogram, type LabeledCounter, type MetricDefinition, type PlainCounter, type PlainHistogram } from './metric-kit.ts';

/** Why the ingest worker refused an image (`RejectReason` of @switchyard/image-ingest). */
export type ImageRejectReason = 'too_large' | 'unknown_format' | 'format_mismatch' | 'too_many_pixels' | 'unreadable';
export const IMAGE_REJECT_REASONS: readonly ImageRejectReason[] = [
  'too_large',
  'unknown_format',
  'format_mismatch',
  'too_many_pixels',
  'unreadable',
];

const INGEST_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] as const;

export const IMAGE_METRICS = {
  ingestLatency: {
    name: 'switchyard_image_ingest_latency_seconds',
    type: 'histogram',
    help: 'Time from the generation worker receiving an upstream image frame (partial or final) to its URL event being in the run log.',
    labelNames: [],
    buckets: INGEST_BUCKETS,
  },
  bytesStored: {
    name: 'switchyard_image_bytes_stored_total',
    type: 'counter',
    help: 'Image bytes written to the blob store.',
    labelNames: [],
  },
  rejects: {
    name: 'switchyard_image_rejects_total',
    type: 'counter',
    help: 'Generated images refused by the ingest worker, by reason.',
    labelNames: ['reason'],
  },
} as const satisfies Record<string, MetricDefinition>;

export interface ImageMetrics {
  ingestLatency: PlainHistogram;
  bytesStored: PlainCounter;
  rejects: LabeledCounter<{ reason: ImageRejectReason }>;
}

export function registerImageMetrics(registry: Registry): ImageMetrics {
  const d = IMAGE_METRICS;
  return {
    ingestLatency: histogram(registry, d.ingestLatency),
    bytesStored: counter(registry, d.bytesStored),
    rejects: counter(registry, d.rejects),
  };
}

export function zeroImageRejects(images: ImageMetrics): void {
  for (const reason of IMAGE_REJECT_REASONS) images.rejects.inc({ reason }, 0);
}
