// The errors Switchyard reports to a client: a class per failure, each with a stable code and an
// HTTP status. `httpErrorOf` (http-error.ts) turns any of them, and anything else, into the answer.

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
