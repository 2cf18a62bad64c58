// Injected failures for the model test server: the one-shot queue, the `[fault:…]` message markers
// and OpenAI-shaped error answers. Hand-written: no package serves the Responses API offline.
import type { ResponsesServerEvent } from 'openai/resources/responses/responses';

export type Fault =
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  | { kind: 'server_error' }
  | { kind: 'drop_mid_stream'; afterEvents: number }
  | BackgroundFault;

/**
 * Faults of background responses only (HTTP `background: true`); other requests pass them by, so
 * they wait in the queue for the next background response.
 * - `stuck_queued`: the API's known rough edge — a stream broken right after `response.created`
 *   can leave the response `queued` for good. It sends `response.created` (status queued), drops
 *   the connection (a JSON create gets the queued object) and never progresses: GET keeps saying
 *   `queued` and retrieval streams wait for events that never come.
 * - `stall_mid_stream`: generation stops after `afterEvents` events, the connection staying open,
 *   until the response is cancelled or expires: a response held `in_progress` for as long as a
 *   test needs (cancel mid-stream, status while running) without racing a clock.
 */
export type BackgroundFault = { kind: 'stuck_queued' } | { kind: 'stall_mid_stream'; afterEvents: number };

export function isBackgroundFault(fault: Fault): fault is BackgroundFault {
  return fault.kind === 'stuck_queued' || fault.kind === 'stall_mid_stream';
}

/** Events a marker-triggered drop lets through: past `response.created`, before the answer ends. */
export const DEFAULT_DROP_AFTER_EVENTS = 4;
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** The wire body of an OpenAI HTTP error, as `openai`'s `APIError.generate` reads it. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface HttpFaultAnswer {
  status: number;
  headers: Record<string, string>;
  body: OpenAIErrorBody;
}

/** One-shot faults queued by tests or `POST /__control/faults`; each applies to one request. */
export class FaultQueue {
  readonly #pending: Fault[] = [];

  push(fault: Fault): number {
    this.#pending.push(fault);
    return this.#pending.length;
  }

  /** Removes and returns the first queued fault that `applies` to the request (all do by default). */
  take(applies: (fault: Fault) => boolean = () => true): Fault | undefined {
    const index = this.#pending.findIndex(applies);
    return index === -1 ? undefined : this.#pending.splice(index, 1)[0];
  }

  clear(): void {
    this.#pending.length = 0;
  }

  get size(): number {
    return this.#pending.length;
  }
}

const MARKER = /\[fault:(429|500|drop)(?::(\d+))?\]/i;

/**
 * Reads a fault marker from user text: `[fault:429]`, `[fault:429:<retry-after s>]`, `[fault:500]`,
 * `[fault:drop]`, `[fault:drop:<events>]`. Markers are not one-shot: the text travels with every
 * retry of the request, so a marked message fails every attempt and the error reaches the caller.
 */
export function faultFromMarker(text: string): Fault | null {
  const match = MARKER.exec(text);
  if (!match) return null;
  const kind = (match[1] ?? '').toLowerCase();
  const arg = match[2] === undefined ? undefined : Number(match[2]);
  if (kind === '429') return { kind: 'rate_limit', retryAfterSeconds: arg ?? DEFAULT_RETRY_AFTER_SECONDS };
  if (kind === '500') return { kind: 'server_error' };
  return { kind: 'drop_mid_stream', afterEvents: arg ?? DEFAULT_DROP_AFTER_EVENTS };
}

/** Validates a Fault received as JSON (control route); returns null when it is not one. */
export function parseFault(value: unknown): Fault | null {
  if (typeof value !== 'object' || value === null) return null;
  const kind: unknown = Reflect.get(value, 'kind');
  if (kind === 'server_error' || kind === 'stuck_queued') return { kind };
  if (kind === 'rate_limit') {
    const seconds: unknown = Reflect.get(value, 'retryAfterSeconds') ?? DEFAULT_RETRY_AFTER_SECONDS;
    return isCount(seconds) ? { kind, retryAfterSeconds: seconds } : null;
  }
  if (kind === 'drop_mid_stream' || kind === 'stall_mid_stream') {
    const events: unknown = Reflect.get(value, 'afterEvents') ?? DEFAULT_DROP_AFTER_EVENTS;
    return isCount(events) ? { kind, afterEvents: events } : null;
  }
  return null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** The HTTP answer for a fault that refuses the request outright (429, 500). */
export function httpFaultAnswer(fault: Extract<Fault, { kind: 'rate_limit' | 'server_error' }>): HttpFaultAnswer {
  if (fault.kind === 'rate_limit') {
    return {
      status: 429,
      headers: { 'retry-after': String(fault.retryAfterSeconds) },
      body: {
        error: {
          message: `Rate limit reached for requests (injected by the model test server). Please try again in ${fault.retryAfterSeconds}s.`,
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    };
  }
  return {
    status: 500,
    headers: {},
    body: {
      error: {
        message: 'The server had an error while processing your request (injected by the model test server).',
        type: 'server_error',
        param: null,
        code: 'server_error',
      },
    },
  };
}

/**
 * The same refusal as a WebSocket-mode `error` event: the API reports the HTTP status and the
 * response headers (e.g. `retry-after`) inside the event because a socket has no status line.
 */
export function wsFaultEvent(
  fault: Extract<Fault, { kind: 'rate_limit' | 'server_error' }>,
  streamId: string | undefined,
): ResponsesServerEvent.ResponseWsError {
  const answer = httpFaultAnswer(fault);
  const event: ResponsesServerEvent.ResponseWsError = {
    type: 'error',
    status: answer.status,
    error: { ...answer.body.error, headers: answer.headers },
  };
  if (streamId !== undefined) event.stream_id = streamId;
  return event;
}

/** An `error` event for a message the server cannot act on (bad JSON, unknown type, bad body). */
export function wsInvalidRequestEvent(message: string, code: string, streamId: string | undefined): ResponsesServerEvent.ResponseWsError {
  const event: ResponsesServerEvent.ResponseWsError = {
    type: 'error',
    status: 400,
    error: { message, type: 'invalid_request_error', param: null, code },
  };
  if (streamId !== undefined) event.stream_id = streamId;
  return event;
}

export function invalidRequestBody(message: string, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type: 'invalid_request_error', param: null, code } };
}
