// Errors as values: every failure Switchyard reports has a class, a stable code and an HTTP status.
// `httpErrorOf` is the one place that maps any thrown value to an HTTP answer.

export abstract class SwitchyardError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Seconds a client should wait before retrying (429, 503). */
  retryAfterSeconds?: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequest extends SwitchyardError {
  readonly code = 'bad_request';
  readonly status = 400;
}

export class Unauthorized extends SwitchyardError {
  readonly code = 'unauthorized';
  readonly status = 401;
}

export class Forbidden extends SwitchyardError {
  readonly code = 'forbidden';
  readonly status = 403;
}

export class NotFound extends SwitchyardError {
  readonly code = 'not_found';
  readonly status = 404;
}

export class Conflict extends SwitchyardError {
  readonly code = 'conflict';
  readonly status = 409;
}

export class PayloadTooLarge extends SwitchyardError {
  readonly code = 'payload_too_large';
  readonly status = 413;
}

export class UnsupportedMediaType extends SwitchyardError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
}

export class TooManyRequests extends SwitchyardError {
  readonly code = 'rate_limited';
  readonly status = 429;
}

export class ServiceUnavailable extends SwitchyardError {
  readonly code = 'service_unavailable';
  readonly status = 503;
}

/** The model provider answered 429; carries its `retry-after` when it sent one. */
export class UpstreamRateLimited extends SwitchyardError {
  readonly code = 'upstream_rate_limited';
  readonly status = 503;
}

/** The model provider failed (5xx, dropped stream) after retries were exhausted. */
export class UpstreamError extends SwitchyardError {
  readonly code = 'upstream_error';
  readonly status = 502;
}

/** Generated or uploaded bytes that fail validation (format, size, dimensions). */
export class InvalidContent extends SwitchyardError {
  readonly code = 'invalid_content';
  readonly status = 422;
}

export interface HttpError {
  status: number;
  body: { error: { code: string; message: string } };
  retryAfterSeconds?: number;
}

/** Driver errors that mean a dependency is down or unreachable, not that the request was wrong. */
const OUTAGE_ERRORS: Record<string, string> = {
  MongoServerSelectionError: 'mongodb',
  MongoNetworkError: 'mongodb',
  MongoNetworkTimeoutError: 'mongodb',
  MongoTopologyClosedError: 'mongodb',
  MaxRetriesPerRequestError: 'redis',
};

function outageOf(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const dep = OUTAGE_ERRORS[e.name];
    if (dep) return dep;
    if (/Connection is closed|Stream isn't writeable/.test(e.message)) return 'redis';
  }
  return null;
}

/** Maps any thrown value to the HTTP answer; dependency outages are 503, unknown errors an opaque 500. */
export function httpErrorOf(err: unknown): HttpError {
  const outage = outageOf(err);
  if (outage) {
    return {
      status: 503,
      body: { error: { code: 'service_unavailable', message: `${outage} is unavailable; retry shortly` } },
      retryAfterSeconds: 2,
    };
  }
  if (err instanceof SwitchyardError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message } },
      ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error' } } };
}

/** The ChatKit `error` event for a failure inside a response (docs/protocol.md §4.11, §6.1 step 4). */
export interface ChatKitErrorEvent {
  type: 'error';
  code: 'stream.error' | 'custom';
  message?: string;
  allow_retry: boolean;
}

/** Custom, user-visible stream errors raised by apps ("Quota exceeded, try tomorrow."). */
export class CustomStreamError extends Error {
  override name = 'CustomStreamError';
  constructor(
    message: string,
    readonly allowRetry = false,
  ) {
    super(message);
  }
}

/** A coded stream error: the client localizes `stream.error` itself (no message is sent). */
export class StreamError extends Error {
  override name = 'StreamError';
  constructor(
    readonly code: 'stream.error' = 'stream.error',
    readonly allowRetry = true,
  ) {
    super(code);
  }
}

/** Maps a failure inside a run to the event the client sees; details stay in the logs. */
export function chatKitErrorEventOf(err: unknown): ChatKitErrorEvent {
  if (err instanceof CustomStreamError) return { type: 'error', code: 'custom', message: err.message, allow_retry: err.allowRetry };
  if (err instanceof StreamError) return { type: 'error', code: err.code, allow_retry: err.allowRetry };
  return { type: 'error', code: 'stream.error', allow_retry: true };
}
