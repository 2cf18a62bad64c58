// The benchmark's SSE client (runs in the benchmark process, for every target alike): one POST per
// chat over node:http, ChatKit `thread.item.updated` text deltas picked out of the stream, and for
// every `[ts:…]` send-time stamp in them the latency to the moment the chunk reached this process.
import { Agent, request } from 'node:http';
import { parseStamps, stampClockMs } from '@switchyard/model-test-server';

export interface ChatResult {
  ok: boolean;
  status: number;
  error?: string;
  /** Monotonic ms (stampClockMs) when the POST started. */
  start: number;
  /** Wall-clock ms (Date.now()) when the POST started, to line up with BullMQ's job timestamps. */
  wallStart: number;
  /** POST start → response headers, ms. */
  headersMs: number;
  /** POST start → first text delta, ms (NaN without one). */
  firstDeltaMs: number;
  /** Receive time minus send stamp, one entry per model delta received, ms. */
  deltaLatencies: number[];
  /** When the stream ended (monotonic ms). */
  end: number;
  /** Response headers worth keeping (`x-switchyard-run-id`). */
  runId: string | null;
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** Closes idle keep-alive sockets (so the process can exit). */
export function closeClientSockets(): void {
  agent.destroy();
}

interface SseUpdate {
  type?: string;
  update?: { type?: string; delta?: unknown };
}

/**
 * POSTs `body` to `url` and reads the SSE stream to its end. Never throws: failures are results
 * with `ok: false`, so one broken chat does not stop a phase.
 */
export function chat(url: string, body: unknown, headers: Record<string, string> = {}): Promise<ChatResult> {
  const payload = JSON.stringify(body);
  const start = stampClockMs();
  const result: ChatResult = {
    ok: false,
    status: 0,
    start,
    wallStart: Date.now(),
    headersMs: Number.NaN,
    firstDeltaMs: Number.NaN,
    deltaLatencies: [],
    end: Number.NaN,
    runId: null,
  };
  return new Promise((resolve) => {
    const finish = (error?: string) => {
      if (!Number.isNaN(result.end)) return;
      result.end = stampClockMs();
      if (error !== undefined) result.error = error;
      result.ok = error === undefined && result.status === 200;
      resolve(result);
    };
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        result.headersMs = stampClockMs() - start;
        result.status = res.statusCode ?? 0;
        const runId = res.headers['x-switchyard-run-id'];
        result.runId = typeof runId === 'string' ? runId : null;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          const now = stampClockMs();
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data:'))
              .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
              .join('\n');
            if (!data) continue;
            let event: SseUpdate;
            try {
              event = JSON.parse(data) as SseUpdate;
            } catch {
              continue;
            }
            if (event.type !== 'thread.item.updated' || event.update?.type !== 'assistant_message.content_part.text_delta') continue;
            const delta = event.update.delta;
            if (typeof delta !== 'string') continue;
            if (Number.isNaN(result.firstDeltaMs)) result.firstDeltaMs = now - start;
            for (const sent of parseStamps(delta)) result.deltaLatencies.push(now - sent);
          }
        });
        res.on('end', () => finish(result.status === 200 ? undefined : `HTTP ${result.status}`));
        res.on('error', (err) => finish(String(err)));
        res.on('aborted', () => finish('aborted'));
      },
    );
    req.on('error', (err) => finish(String(err)));
    req.end(payload);
  });
}
