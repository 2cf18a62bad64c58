// HTTP plumbing shared by the model test server's routes (http-transport.ts, background-http.ts):
// OpenAI-shaped errors, JSON answers and SSE writes. Hand-written: no offline Responses API server.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { OpenAIErrorBody } from './faults.ts';

export class HttpError extends Error {
  readonly status: number;
  readonly body: OpenAIErrorBody;
  constructor(status: number, body: OpenAIErrorBody) {
    super(body.error.message);
    this.status = status;
    this.body = body;
  }
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } as const;

/** An `x-request-id` for answers that allocate no response id (retrieve, cancel). */
export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

export function sseChunk(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Writes one SSE chunk. Waits for the kernel only when it must (before a deliberate drop, so the
 * events before it really arrive) or when the socket buffer is full (backpressure for large
 * image frames); returns false once the client has gone.
 */
export function writeChunk(res: ServerResponse, chunk: string, flush: boolean): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onClose = (): void => finish(false);
    const onDrain = (): void => finish(true);
    const finish = (ok: boolean): void => {
      res.off('close', onClose);
      res.off('drain', onDrain);
      resolve(ok);
    };
    res.once('close', onClose);
    if (flush) {
      res.write(chunk, (error) => finish(!error));
      return;
    }
    if (res.write(chunk)) finish(true);
    else res.once('drain', onDrain);
  });
}
