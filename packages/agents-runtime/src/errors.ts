// The errors a model call ends with once upstream retries are spent: `UpstreamModelRateLimited` and
// `UpstreamModelError`, the shared classes of @switchyard/errors plus what we know of the failure.
import { UpstreamError, UpstreamRateLimited } from '@switchyard/errors';

/** What we know about one failed model call. */
export interface UpstreamFailure {
  /** HTTP status, or the status a WebSocket `error` event reported; absent for broken streams. */
  status?: number;
  code?: string;
  retryAfterMs?: number;
  message: string;
  /** The call had streamed an output item before failing (never retried). */
  outputStarted: boolean;
  /** Model calls made for this request, retries included (the `openai` client's are not counted). */
  attempts: number;
}

/** The model kept answering 429 (or asked us to wait longer than we do in a worker). */
export class UpstreamModelRateLimited extends UpstreamRateLimited {
  constructor(
    message: string,
    readonly failure: UpstreamFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    if (failure.retryAfterMs !== undefined) this.retryAfterSeconds = Math.ceil(failure.retryAfterMs / 1000);
  }
}

/** The model failed: 5xx or a broken stream after retries, a refusal (4xx), or a break mid-output. */
export class UpstreamModelError extends UpstreamError {
  constructor(
    message: string,
    readonly failure: UpstreamFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
