// Starts the offline OpenAI Responses API test server (HTTP + WebSocket mode on one port) that the
// real `openai` and `@openai/agents` packages run against. Hand-written: no package provides one.
import { createServer } from 'node:http';
import { ResponsesCore } from './core.ts';
import type { Fault } from './faults.ts';
import { createHttpHandler } from './http-transport.ts';
import type { CompletedResponse, RecordedRequest, SentImage } from './request-log.ts';
import { TranscriptionLog, type RecordedTranscription } from './transcriptions.ts';
import { attachWebSocketMode } from './ws-transport.ts';

export interface ModelTestServerOptions {
  port?: number;
  /** Approximate size of the FINAL PNG in bytes (default 300,000); partials are smaller. */
  imageBytes?: number;
  /** Delay between text deltas and image frames when streaming (default 0; `npm start` uses ~20). */
  deltaDelayMs?: number;
  /** Number of deltas in a text answer (default 12). */
  textDeltas?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Start every text delta with its send time, `[ts:<ms>]` on the machine's monotonic clock
   * (stamp.ts: `parseStamps`, `stampClockMs`), for latency benchmarks. Default false.
   */
  stamp?: boolean;
  /** Keep at most this many entries in `requests`, `sentImages` and `transcriptions`, oldest dropped (default unbounded). */
  maxRecorded?: number;
  /**
   * How long a background response (`background: true`) stays retrievable after its last event
   * (default 600,000: the API keeps them about ten minutes); then GET and cancel answer 404.
   */
  backgroundTtlMs?: number;
}

/** What `configure` (and `POST /__control/settings`) can change while the server runs. */
export type ModelTestServerSettings = Partial<Pick<ModelTestServerOptions, 'deltaDelayMs' | 'textDeltas' | 'stamp' | 'backgroundTtlMs'>>;

export interface ModelTestServer {
  /** `http://127.0.0.1:P/v1`: what `new OpenAI({ baseURL })` takes (WebSocket mode derives ws://…/v1/responses). */
  baseURL: string;
  port: number;
  /**
   * Every /v1/responses request in arrival order, both transports: creates, and background mode's
   * retrieves and cancels (`kind`).
   */
  requests: RecordedRequest[];
  /** Every image frame sent (partials and finals), sha256 of the decoded bytes. */
  sentImages: SentImage[];
  /** Every `response.completed` sent, with its usage (what token metrics should add up to). */
  completedResponses: CompletedResponse[];
  /** Every successful POST /v1/audio/transcriptions in arrival order (answered `transcript of <n> bytes of <mime>`). */
  transcriptions: RecordedTranscription[];
  /** Queues a fault for the next response request (either transport). */
  queueFault(fault: Fault): void;
  /**
   * Changes delay, delta count, stamping or background TTL for requests from now on (also
   * `POST /__control/settings` with the same JSON); answers already started keep what they started with.
   */
  configure(settings: ModelTestServerSettings): void;
  close(): Promise<void>;
}

/** The API keeps background responses for roughly ten minutes (its background-mode guide). */
const DEFAULT_BACKGROUND_TTL_MS = 10 * 60 * 1000;

export async function startModelTestServer(opts: ModelTestServerOptions = {}): Promise<ModelTestServer> {
  const core = new ResponsesCore(
    {
      imageBytes: opts.imageBytes ?? 300_000,
      deltaDelayMs: opts.deltaDelayMs ?? 0,
      textDeltas: opts.textDeltas ?? 12,
      stamp: opts.stamp ?? false,
      backgroundTtlMs: opts.backgroundTtlMs ?? DEFAULT_BACKGROUND_TTL_MS,
    },
    opts.maxRecorded ?? Number.POSITIVE_INFINITY,
  );
  const transcriptions = new TranscriptionLog(opts.maxRecorded ?? Number.POSITIVE_INFINITY);
  const server = createServer(createHttpHandler(core, transcriptions));
  // Streams with paced deltas can idle longer than Node's default timeouts between events.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  const wsMode = attachWebSocketMode(server, core);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('model test server is not listening on TCP');
  const { port } = address;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    baseURL: `http://${urlHost}:${port}/v1`,
    port,
    requests: core.requests,
    sentImages: core.sentImages,
    completedResponses: core.completedResponses,
    transcriptions: transcriptions.entries,
    queueFault: (fault) => {
      core.faults.push(fault);
    },
    configure: (settings) => core.configure(settings),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        wsMode.close();
        // Ends background generation and the retrieval streams waiting on it (stuck ones included).
        core.background.close();
        server.close(() => resolve());
        // Keep-alive and streaming connections would hold close() open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
