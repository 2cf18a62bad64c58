// Per-connection accounting of one SSE response on the gateway: the open-connections gauge, events
// and bytes relayed, re-attaches, and the two client-side latencies (request → first event, request
// → first model text delta). The gateway creates one tracker per attached response.
import type { ChatMetrics } from './chat.ts';

export interface SseStreamOptions {
  /** `performance.now()` when the request arrived; omit to skip the first-event/first-token timings. */
  startedAt?: number;
  /** A re-attach (`GET /chatkit/runs/:runId/events`): counted, never timed. */
  reattach?: boolean;
  /** Clock in `performance.now()` milliseconds (tests). */
  now?: () => number;
}

export interface SseStreamTracker {
  /** An event frame carrying `json` was written (call after `wrote` for the same frame). */
  event(json: string): void;
  /** `chunk` was written to the response: an event frame or a `: ping` comment. */
  wrote(chunk: string): void;
  /** The response ended or the client went away; safe to call more than once. */
  close(): void;
}

/** Marks the first model text delta in a serialized ChatKit event. */
const TEXT_DELTA = '"assistant_message.content_part.text_delta"';

export function trackSseStream(chat: ChatMetrics, opts: SseStreamOptions = {}): SseStreamTracker {
  const now = opts.now ?? (() => performance.now());
  const timed = opts.startedAt !== undefined && !opts.reattach;
  const startedAt = opts.startedAt ?? 0;
  let sawEvent = !timed;
  let sawToken = !timed;
  let closed = false;
  chat.sseConnectionsOpen.inc();
  if (opts.reattach) chat.reattaches.inc();
  return {
    event(json) {
      chat.sseEventsRelayed.inc();
      if (!sawEvent) {
        sawEvent = true;
        chat.timeToFirstEvent.observe(Math.max(0, now() - startedAt) / 1000);
      }
      if (!sawToken && json.includes(TEXT_DELTA)) {
        sawToken = true;
        chat.timeToFirstToken.observe(Math.max(0, now() - startedAt) / 1000);
      }
    },
    wrote(chunk) {
      chat.sseBytesRelayed.inc(Buffer.byteLength(chunk, 'utf8'));
    },
    close() {
      if (closed) return;
      closed = true;
      chat.sseConnectionsOpen.dec();
    },
  };
}
