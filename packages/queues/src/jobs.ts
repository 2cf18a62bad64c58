// The data an `image-ingest` job carries: ids only, never payloads (image bytes travel under their own
// short-lived Redis key), so jobs stay small and a retried job reads the same inputs. The `runs` job's
// data is @switchyard/chatkit-server's RunPlan.
import type { TraceCarrier } from '@switchyard/tracing';

/** One `image-ingest` job = one image frame (a partial preview or the final image). */
export interface ImageIngestJobData {
  runId: string;
  owner: string;
  threadId: string;
  /** The ChatKit `generated_image` item id. */
  itemId: string;
  /** `created_at` of the item, so the final `thread.item.done` keeps the time of its `added`. */
  itemCreatedAt: string;
  /** The Responses `image_generation_call` id (`ig_…`): the stable image id on the wire. */
  imageId: string;
  /** 0-based partial index, or null for the final image. */
  partialIndex: number | null;
  /** Configured `partial_images`, for `progress = partialIndex / partialImages`. */
  partialImages: number;
  /** Redis key holding the decoded bytes (hash-tagged with the run). */
  bytesKey: string;
  /** Format the model said it produced (`png`, `jpeg`, `webp`); checked against the magic bytes. */
  expectedFormat: string;
  /** W3C trace context of the run that produced the frame. */
  trace?: TraceCarrier;
}

export interface ImageIngestResult {
  url: string;
  objectName: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  contentType: string;
}

/** Deterministic ingest job id: re-enqueueing the same frame after a retry is a no-op. */
export function imageIngestJobId(d: Pick<ImageIngestJobData, 'runId' | 'imageId' | 'partialIndex'>): string {
  return `${d.runId}.${d.imageId}.${d.partialIndex === null ? 'final' : `p${d.partialIndex}`}`;
}
