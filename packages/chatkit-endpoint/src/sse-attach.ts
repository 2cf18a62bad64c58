// Serving a run's events as SSE from any gateway: `id: <seq>` on every frame so the client can
// re-attach with Last-Event-ID, `: ping` comments to keep proxies from cutting idle streams, the
// response ends at the run's terminal entry. A client that reads slower than the run writes gets
// a bounded buffer, then its connection is closed so it re-attaches from its last event.
// A Last-Event-ID at or past the end never hangs (RunLogSubscriber): on an ended run the response
// ends at once with no event; on a running run a position beyond its newest event counts as the
// current end. Each open stream holds one of its user's attach slots (@switchyard/limits' AttachLimiter).
// Redis going away does not end a stream: pings go on, the attachment resyncs from the log when Redis
// is back (RunLogSubscriber). A stream the log can no longer serve (Redis unreachable beyond the outage
// window, entries trimmed past the client's position, the run's log gone) ends with an `error` event,
// never with a silent end a ChatKit client would take for the run's. A run whose job is gone is ended
// by the run watchdog (checkRun), and its error event and end reach the client like any entry.
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
  /** The run watchdog's check of this run (RunWatchdog.forRun), made on a heartbeat at most every `checkRunEveryMs`. */
  checkRun?: () => Promise<unknown>;
  /** Default 15 s; with the default heartbeat every heartbeat checks. */
  checkRunEveryMs?: number;
  metrics?: ChatMetrics;
  /** When the request arrived (performance.now()), for time-to-first-event. */
  startedAt?: number;
  reattach?: boolean;
}

/** Sent when the stream cannot finish (the log is gone or unreachable): say so, then end it. No `id:`, it is no entry of the log. */
const STREAM_ERROR = encodeSseData(JSON.stringify({ type: 'error', code: 'stream.error', allow_retry: true }));
const PING = encodeSseComment('ping');
const DEFAULT_RUN_CHECK_MS = 15_000;

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
  /** Server-side end when the run cannot be followed to its end: the one `error` event, then the end. */
  const endWithError = (outcome: string) => {
    if (closed) return;
    sendHeaders();
    res.write(STREAM_ERROR);
    finish('end', outcome);
  };
  // The catch-up a client asked for (bounded by the run log's size) may exceed the cap; the cap
  // applies to what piles up on top of it, and the allowance goes once the socket drains.
  let allowance = Number.POSITIVE_INFINITY;
  res.on('drain', () => (allowance = 0));
  // Frames written in one turn (a live batch, a catch-up page) leave in one socket write: each write
  // to a socket is a system call that costs more than formatting the frame (docs/benchmarks/README.md).
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  const write = (chunk: string) => {
    if (!corked && !res.writableEnded) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
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
        opts.logger.warn(
          { err, runId },
          'run log cannot serve this stream (trimmed, or Redis unreachable beyond the outage window); ending it with an error event',
        );
        recordFailure(delivery, err);
        endWithError('error');
      },
    });
  } catch (err) {
    recordFailure(delivery, err);
    if (headersSent) {
      endWithError('error');
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
  const checkRunEveryMs = opts.checkRunEveryMs ?? DEFAULT_RUN_CHECK_MS;
  let nextRunCheck = performance.now() + checkRunEveryMs;
  /**
   * Runs `check` unless its previous call is still waiting (for Redis, while it is away): a check that
   * never returns (a connection that hangs) must not hold up the others, least of all the resync,
   * which gives up after the outage window. A check's failure is no verdict: the next heartbeat tries again.
   */
  const oneAtATime = (what: string, check: () => Promise<void>) => {
    let pending = false;
    return () => {
      if (pending || closed) return;
      pending = true;
      check()
        .catch((err: unknown) => opts.logger.debug({ err, runId }, `${what} failed; trying again on the next heartbeat`))
        .finally(() => (pending = false));
    };
  };
  const checkRunExists = oneAtATime('run log check', async () => {
    if (!opts.runExists || (await opts.runExists()) || closed) return;
    opts.logger.warn({ runId }, 'run log vanished under an attached client; ending its stream with an error');
    endWithError('run_lost');
  });
  const checkRunJob = oneAtATime('run watchdog check', async () => {
    if (!opts.checkRun || performance.now() < nextRunCheck) return;
    nextRunCheck = performance.now() + checkRunEveryMs;
    await opts.checkRun();
  });
  heartbeat = setInterval(() => {
    if (closed) return;
    write(PING);
    if (closed) return;
    // The resync joins one already under way and never rejects: a log it cannot read within the
    // outage window ends the stream through onError, and then the checks do nothing.
    void live.resync().then(() => {
      checkRunExists();
      checkRunJob();
    });
  }, opts.heartbeatMs);
}
