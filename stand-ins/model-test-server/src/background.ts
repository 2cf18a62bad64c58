// Background responses (HTTP `background: true`) of the model test server: generated independently of
// any connection, every event kept so GET, retrieval streams (`starting_after`), cancel and expiry
// behave as the API's do. Transport-neutral. Hand-written: no offline Responses API server.
import type { Response, ResponseOutputItem, ResponseStatus, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { BackgroundFault } from './faults.ts';
import { outputText } from './flows/response-flow.ts';
import type { FlowFrame } from './flows/response-flow.ts';
import type { SentImage } from './request-log.ts';

/**
 * At most this many background responses are kept (each can hold megabytes of images); past it the
 * oldest expires early. The TTL normally removes them long before.
 */
const MAX_STORED = 1000;
/** setTimeout fires at once past this (2^31 - 1 ms); a longer TTL means "never expires". */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * What a live stream receives when its background response is cancelled. The API reference lists no
 * stream event for this and we found no recording of one, so this is our choice, shaped like the
 * other terminal events (`response.completed`, `.failed`, `.incomplete`): the next sequence number
 * and the response object, here with status `cancelled`. It is not in the openai package's
 * `ResponseStreamEvent` union: the raw stream (`responses.retrieve(id, { stream: true })`) yields it
 * like any event, but the `responses.stream()` helper throws on event types it does not know.
 */
export interface ResponseCancelledEvent {
  type: 'response.cancelled';
  sequence_number: number;
  response: Response;
}

export type BackgroundEvent = ResponseStreamEvent | ResponseCancelledEvent;

export interface StoredFrame {
  event: BackgroundEvent;
  image?: SentImage;
}

const TERMINAL: ReadonlySet<ResponseStatus> = new Set(['completed', 'failed', 'incomplete', 'cancelled']);

function isFlowFrame(frame: StoredFrame): frame is FlowFrame {
  return frame.event.type !== 'response.cancelled';
}

/**
 * One background response: its events in sequence order (`frames[i].event.sequence_number === i`,
 * as the flow numbers them from 0), its current status and the wake-ups of streams waiting for more.
 */
export class BackgroundResponse {
  readonly id: string;
  readonly frames: StoredFrame[] = [];
  /** Resolves once no event will follow: a terminal event, expiry or the server closing. */
  readonly stopped: Promise<void>;
  #stop: () => void = () => undefined;
  #status: ResponseStatus = 'queued';
  /** The latest response object a lifecycle event carried (request settings echoed, status). */
  #base: Response | null = null;
  /** Output items finished so far, by output_index. */
  readonly #output = new Map<number, ResponseOutputItem>();
  #ended = false;
  #waiters: (() => void)[] = [];
  /** Sequence numbers already counted as sent (`sentImages`, `completedResponses` list each once). */
  readonly #counted = new Set<number>();
  readonly #onSent: (frame: FlowFrame) => void;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(id: string, ttlMs: number, onSent: (frame: FlowFrame) => void, onExpired: () => void) {
    this.id = id;
    this.#onSent = onSent;
    this.stopped = new Promise((resolve) => {
      this.#stop = resolve;
    });
    if (ttlMs <= MAX_TIMER_MS) {
      // Kept `ttlMs` after its last event: a running answer never expires under a slow delta delay.
      this.#timer = setTimeout(() => {
        this.end();
        onExpired();
      }, ttlMs);
      this.#timer.unref();
    }
  }

  get status(): ResponseStatus {
    return this.#status;
  }

  /** No event will follow (terminal event sent, expired, or the server closed). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The response object as GET answers it now: the terminal one as sent, else the latest with the items done so far. */
  snapshot(): Response {
    const base = this.#base;
    if (base === null) throw new Error(`background response ${this.id} has no response.created yet`);
    if (TERMINAL.has(this.#status)) return base;
    const output = [...this.#output.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
    return { ...base, status: this.#status, output, output_text: outputText(output) };
  }

  /** Resolves at the next event or when the response stops. */
  changed(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  append(frame: StoredFrame): void {
    if (this.#ended) return;
    this.frames.push(frame);
    const event = frame.event;
    switch (event.type) {
      case 'response.created':
      case 'response.queued':
      case 'response.in_progress':
      case 'response.completed':
      case 'response.failed':
      case 'response.incomplete':
      case 'response.cancelled':
        this.#base = event.response;
        this.#status = event.response.status ?? this.#status;
        break;
      case 'response.output_item.done':
        this.#output.set(event.output_index, event.item);
        break;
    }
    this.#timer?.refresh();
    if (TERMINAL.has(this.#status)) this.#finish();
    else this.#wake();
  }

  /**
   * Cancels a queued or running response: generation stops and every stream gets the
   * `response.cancelled` event (see above) and ends. Returns the cancelled response object.
   */
  cancel(): Response {
    if (!TERMINAL.has(this.#status)) {
      const response: Response = { ...this.snapshot(), status: 'cancelled' };
      this.append({ event: { type: 'response.cancelled', sequence_number: this.frames.length, response } });
    }
    return this.snapshot();
  }

  /** Generation broke: the response fails as the API reports it, with `response.failed`. */
  fail(message: string): void {
    if (this.#ended || this.#base === null) {
      this.#finish();
      return;
    }
    const response: Response = { ...this.snapshot(), status: 'failed', error: { code: 'server_error', message } };
    this.append({ event: { type: 'response.failed', sequence_number: this.frames.length, response } });
  }

  /**
   * Discards the response (expiry, server close): generation stops where it is and waiting streams
   * end without a further event.
   */
  end(): void {
    clearTimeout(this.#timer);
    this.#finish();
  }

  /** A frame left on some connection: counted once, whoever reads the response how often. */
  delivered(frame: StoredFrame): void {
    const seq = frame.event.sequence_number;
    if (this.#counted.has(seq) || !isFlowFrame(frame)) return;
    this.#counted.add(seq);
    this.#onSent(frame);
  }

  /**
   * A JSON answer carrying the finished response delivers what it holds: the final images and the
   * completed response (partial images exist only on streams).
   */
  deliveredAsJson(): void {
    if (this.#status !== 'completed') return;
    for (const frame of this.frames) if (frame.image === undefined || frame.image.partialIndex === null) this.delivered(frame);
  }

  /** No event will follow (a finished response stays retrievable until its timer expires it). */
  #finish(): void {
    if (!this.#ended) {
      this.#ended = true;
      this.#stop();
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export class BackgroundStore {
  readonly #responses = new Map<string, BackgroundResponse>();
  readonly #onSent: (frame: FlowFrame) => void;

  constructor(onSent: (frame: FlowFrame) => void) {
    this.#onSent = onSent;
  }

  /**
   * Starts generating in the background; resolves once `response.created` is stored (a JSON create
   * answers with that queued object at once). The flow runs on whatever happens to connections.
   */
  async start(
    id: string,
    frames: AsyncGenerator<FlowFrame, void, undefined>,
    fault: BackgroundFault | null,
    ttlMs: number,
  ): Promise<BackgroundResponse> {
    const record = new BackgroundResponse(id, ttlMs, this.#onSent, () => {
      if (this.#responses.get(id) === record) this.#responses.delete(id);
    });
    this.#responses.set(id, record);
    if (this.#responses.size > MAX_STORED) {
      const oldest = this.#responses.values().next();
      if (!oldest.done) this.#expire(oldest.value);
    }
    void drive(record, frames, fault);
    while (record.frames.length === 0 && !record.ended) await record.changed();
    return record;
  }

  /** The stored response, or undefined when unknown or expired. */
  get(id: string): BackgroundResponse | undefined {
    return this.#responses.get(id);
  }

  /** Stops every response (streams waiting on them end) and forgets them. */
  close(): void {
    for (const record of this.#responses.values()) record.end();
    this.#responses.clear();
  }

  #expire(record: BackgroundResponse): void {
    record.end();
    this.#responses.delete(record.id);
  }
}

/**
 * Pulls the flow into the record until it ends, the response stops (cancel, expiry, close) or a
 * fault holds it. `for await` returns the flow on every exit, so a stopped answer stops generating.
 */
async function drive(
  record: BackgroundResponse,
  frames: AsyncGenerator<FlowFrame, void, undefined>,
  fault: BackgroundFault | null,
): Promise<void> {
  // stuck_queued keeps `response.created` only; a stall keeps at least that much (start() waits for it).
  const holdAfter = fault === null ? null : fault.kind === 'stuck_queued' ? 1 : Math.max(1, fault.afterEvents);
  try {
    for await (const frame of frames) {
      if (record.ended) return;
      record.append(frame);
      if (holdAfter !== null && record.frames.length >= holdAfter) {
        await record.stopped;
        return;
      }
    }
  } catch (error) {
    record.fail(error instanceof Error ? error.message : String(error));
  }
  // A flow always ends with a terminal event; anything else must not leave streams waiting.
  if (!record.ended) record.fail('the scripted flow ended without a terminal event');
}
