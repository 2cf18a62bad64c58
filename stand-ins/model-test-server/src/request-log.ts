// What the model test server saw and sent: every /v1/responses request body verbatim and every
// image frame's digest, so tests assert on the wire. Hand-written: no offline Responses API server.
import type { ResponseCreateParams, ResponseUsage } from 'openai/resources/responses/responses';

export interface RecordedRequest {
  /**
   * `create`: a new response (either transport). `retrieve`: `GET /v1/responses/{id}`, as JSON or
   * as a stream (see `retrieval`). `cancel`: `POST /v1/responses/{id}/cancel`. Each is logged
   * whatever it was answered (404s and 400s too), so tests can count retrieval streams and cancels.
   */
  kind: 'create' | 'retrieve' | 'cancel';
  /**
   * The `resp_…` id the request was answered with (allocated even when a fault refused it); for a
   * retrieve or cancel, the id in its path.
   */
  id: string;
  transport: 'http' | 'websocket';
  /** Which TCP connection carried it (1, 2, … per server): shows keep-alive and socket reuse. */
  connectionId: number;
  path: string;
  /**
   * The body exactly as received; over WebSocket it is the whole `response.create` message. A
   * retrieve or cancel has none: `{}`.
   */
  body: ResponseCreateParams;
  /** A retrieve's query: `stream=true`, and `starting_after` (null when absent). */
  retrieval?: { stream: boolean; startingAfter: number | null };
  receivedAt: number;
}

export interface SentImage {
  itemId: string;
  /** `partial_image_index` for partial frames, null for the final image in `output_item.done`. */
  partialIndex: number | null;
  /** sha256 (hex) of the decoded PNG bytes. */
  sha256: string;
  bytes: number;
}

/** A `response.completed` that left the server, with the usage it reported. */
export interface CompletedResponse {
  id: string;
  usage: ResponseUsage;
}

/**
 * Appends to an array the caller can read directly (the server exposes these arrays as-is), and
 * drops the oldest entries past `limit` so a long-running `npm start` does not grow without bound.
 */
export function appendBounded<T>(list: T[], entry: T, limit: number): void {
  list.push(entry);
  if (list.length > limit) list.splice(0, list.length - limit);
}
