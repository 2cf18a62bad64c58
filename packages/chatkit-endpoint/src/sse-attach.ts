// Serving a run's events as SSE from any gateway: `id: <seq>` on every frame so the client can
// re-attach with Last-Event-ID, `: ping` comments to keep proxies from cutting idle streams, the
// response ends at the run's terminal entry. A client that reads slower than the run writes gets
// a bounded buffer, then its connection is closed so it re-attaches from its last event.
// A Last-Event-ID at or past the end never hangs (RunLogSubscriber): on an ended run the response
// ends at once with no event; on a running run a position beyond its newest event counts as the
// current end. Each open stream holds one of its user's attach slots (@switchyard/limits' AttachLimiter).
import type { Request, Response } from 'express';
import { ServiceUnavailable } from '@switchyard/errors';
import { encodeSseComment, encodeSseData } from '@switchyard/protocol';
import type { Logger } from '@switchyard/logging';
import { trackSseStream, type ChatMetrics, type SseStreamTracker } from '@switchyard/metrics';
import type { Attachment, RunLogSubscriber } from '@switchyard/run-log';
import { recordFailure, startSpan } from '@switchyard/tracing';

export interface SseAttachOptions {
  heartbeatMs: number;
  logger: Logger;
  /** Bytes a connection may have waiting in its socket buffer before it is closed. */
  maxBufferedBytes: number;
  /** Called when the client goes away before the run's terminal entry. */
  onClientGone?: () => void;
  /** Live streams of this process, so a draining gateway can hand them off. */
  registry?: SseStreams;
  /** Checked on heartbeats: false once the run's log is gone (expired, or Redis lost its data). */
  runExists?: () => Promise<boolean>;
  metrics?: ChatMetrics;
  /** When the request arrived (performance.now()), for time-to-first-event. */
  startedAt?: number;
  reattach?: boolean;
}

/** Sent when a run vanished under a client: the stream cannot finish, so say so and end it. */
const RUN_LOST = encodeSseData(JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true }));
const PING = encodeSseComment('ping');

export const RUN_ID_HEADER = 'X-Switchyard-Run-Id';

/** The open SSE responses of one gateway process. */
export class SseStreams {
  private readonly open = new Set<(reason: string) => void>();

  get size(): number {
    return this.open.size;
  }

  add(close: (reason: string) => void): () => void {
    this.open.add(close);
    return () => {
      this.open.delete(close);
    };
  }

  /** Ends every stream; clients re-attach (Last-Event-ID) on another gateway. */
  closeAll(reason: string): void {
    for (const close of [...this.open]) close(reason);
  }
}

export async function attachSse(
  _req: Request,
  res: Response,
  subscriber: RunLogSubscriber,
  runId: string,
  afterSeq: number,
  opts: SseAttachOptions,
): Promise<void> {
  let headersSent = false;
  let closed = false;
  let heartbeat: NodeJS.Timeout | undefined = undefined;
  let attachment: Attachment | undefined = undefined;
  let unregister: () => void = () => undefined;
  let tracker: SseStreamTracker | undefined = undefined;
  // Client delivery of this attachment: from attach to the last frame (or the client leaving).
  const delivery = startSpan('chatkit deliver', {
    attributes: { 'switchyard.run_id': runId, 'switchyard.after_seq': afterSeq, 'switchyard.reattach': opts.reattach === true },
  });
  let delivered = 0;
  const endDelivery = (outcome: string) => {
    delivery.setAttributes({ 'switchyard.events_delivered': delivered, 'switchyard.delivery_outcome': outcome });
    delivery.end();
  };
  const sendHeaders = () => {
    if (headersSent) return;
    headersSent = true;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      [RUN_ID_HEADER]: runId,
    });
    if (opts.metrics) {
      const t = trackSseStream(opts.metrics, {
        ...(opts.startedAt !== undefined ? { startedAt: opts.startedAt } : {}),
        ...(opts.reattach ? { reattach: true } : {}),
      });
      tracker = t;
      res.once('close', () => t.close());
    }
  };
  /** Server-side end: at the terminal entry, on a log error, when draining, or for a slow client. */
  const finish = (how: 'end' | 'destroy' = 'end', outcome = 'end') => {
    if (closed) return;
    closed = true;
    endDelivery(how === 'destroy' ? 'slow_client' : outcome);
    clearInterval(heartbeat);
    unregister();
    attachment?.detach();
    sendHeaders();
    if (how === 'destroy') res.destroy();
    else res.end();
  };
  // The catch-up a client asked for (bounded by the run log's size) may exceed the cap; the cap
  // applies to what piles up on top of it, and the allowance goes once the socket drains.
  let allowance = Number.POSITIVE_INFINITY;
  res.on('drain', () => (allowance = 0));
  const write = (chunk: string) => {
    res.write(chunk);
    tracker?.wrote(chunk);
    if (res.writableLength > allowance + opts.maxBufferedBytes) {
      opts.logger.warn({ runId, buffered: res.writableLength }, 'slow SSE client: buffer limit reached, closing so it re-attaches');
      // Destroy rather than end: ending would wait for a buffer the client is not reading.
      finish('destroy');
    }
  };

  // `res` closes when the response ends or the client goes away (`req` closes once the body is read).
  // Listening before the attach: a client may leave while it is still catching up.
  res.on('close', () => {
    if (closed) return;
    closed = true;
    endDelivery('client_gone');
    clearInterval(heartbeat);
    unregister();
    attachment?.detach();
    opts.onClientGone?.();
  });

  try {
    attachment = await subscriber.attach(runId, afterSeq, {
      onEntry(entry) {
        if (closed) return;
        sendHeaders();
        if (entry.kind === 'end') finish();
        else {
          if (delivered++ === 0) delivery.addEvent('first event', { 'switchyard.seq': entry.seq });
          write(encodeSseData(entry.json, String(entry.seq)));
          tracker?.event(entry.json);
        }
      },
      onError(err) {
        opts.logger.warn({ err, runId }, 'run log attach failed; closing stream so the client re-attaches');
        recordFailure(delivery, err);
        finish('end', 'error');
      },
    });
  } catch (err) {
    recordFailure(delivery, err);
    if (headersSent) {
      finish('end', 'error');
      return;
    }
    if (!closed) {
      closed = true;
      endDelivery('error');
    }
    throw new ServiceUnavailable('run event stream unavailable, retry shortly', { cause: err });
  }
  if (closed) {
    // Ended (or left) during the catch-up: the attachment may have been made after that.
    attachment.detach();
    return;
  }
  allowance = res.writableLength;
  sendHeaders();
  // Flush headers now so the client sees the stream open even before the first model event.
  res.flushHeaders();
  if (opts.registry) unregister = opts.registry.add(() => finish('end', 'handed_off'));
  const live = attachment;
  heartbeat = setInterval(() => {
    if (closed) return;
    write(PING);
    void (async () => {
      await live.resync();
      if (!closed && opts.runExists && !(await opts.runExists())) {
        opts.logger.warn({ runId }, 'run log vanished under an attached client; ending its stream with an error');
        if (!closed) res.write(RUN_LOST);
        finish('end', 'run_lost');
      }
    })().catch(() => undefined);
  }, opts.heartbeatMs);
}
