// Serving a run's events as SSE from any gateway: `id: <seq>` on every frame so the client can
// re-attach with Last-Event-ID, `: ping` comments to keep proxies from cutting idle streams, and
// the response ends at the run's terminal entry.
import type { Request, Response } from 'express';
import { ServiceUnavailable } from '@switchyard/errors';
import type { Logger } from '@switchyard/logging';
import type { RunLogSubscriber } from '@switchyard/run-log';

export interface SseAttachOptions {
  heartbeatMs: number;
  logger: Logger;
  /** Called when the client goes away before the run's terminal entry. */
  onClientGone?: () => void;
}

export const RUN_ID_HEADER = 'X-Switchyard-Run-Id';

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
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    sendHeaders();
    res.end();
  };

  let attachment;
  try {
    attachment = await subscriber.attach(runId, afterSeq, {
      onEntry(entry) {
        if (closed) return;
        sendHeaders();
        if (entry.kind === 'end') finish();
        else res.write(`id: ${entry.seq}\ndata: ${entry.json}\n\n`);
      },
      onError(err) {
        opts.logger.warn({ err, runId }, 'run log attach failed; closing stream so the client re-attaches');
        finish();
      },
    });
  } catch (err) {
    if (headersSent) {
      finish();
      return;
    }
    throw new ServiceUnavailable('run event stream unavailable, retry shortly', { cause: err });
  }
  if (closed) return;
  sendHeaders();
  // Flush headers now so the client sees the stream open even before the first model event.
  res.flushHeaders();
  heartbeat = setInterval(() => {
    if (closed) return;
    res.write(': ping\n\n');
    void attachment.resync();
  }, opts.heartbeatMs);
  // `res` closes when the response ends or the client goes away (`req` closes once the body is read).
  res.on('close', () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    attachment.detach();
    opts.onClientGone?.();
  });
}
