// The data an `image-ingest` job carries: ids only, never payloads (image bytes travel under their own
// short-lived Redis key), so jobs stay small and a retried job reads the same inputs. The `runs` job's
// data is @switchyard/chatkit-server's RunPlan.
import type { TraceCarrier } from '@switchyard/tracing';

/** One `image-ingest` job = one image frame (a partial preview or the final image). */
export interface ImageIngestJobData {
  runId: string;
  /**
   * The fence of the run attempt that produced the frame: the ingest worker appends under it, so a
   * frame of an attempt that lost the run (taken over, handed off) changes nothing.
   */
  attempt: string;
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
  /** The run's checkpoint once this frame's event is in the log (docs/resume.md); stored with the append. */
  checkpoint?: string;
}

export interface ImageIngestResult {
  /** The frame's attempt no longer owns the run: nothing was stored or appended (the other fields are empty). */
  discarded?: true;
  /** An earlier try of the job ingested the frame and its worker died before the job completed (the other fields are empty). */
  repeated?: true;
  url: string;
  objectName: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  contentType: string;
}

/**
 * Deterministic ingest job id: re-enqueueing the same frame of the same attempt is a no-op, and a
 * later attempt's frame is a job of its own. (BullMQ refuses `:` in custom ids; lock tokens have one.)
 */
export function imageIngestJobId(d: Pick<ImageIngestJobData, 'runId' | 'attempt' | 'imageId' | 'partialIndex'>): string {
  const attempt = d.attempt.replace(/[^A-Za-z0-9_-]/g, '-');
  return `${d.runId}.${attempt}.${d.imageId}.${d.partialIndex === null ? 'final' : `p${d.partialIndex}`}`;
}
