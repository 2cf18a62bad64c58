// Failures inside a run as the client sees them: the ChatKit `error` event (docs/protocol.md §4.11)
// and the errors an app raises to choose it.

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

/**
 * An app asked to continue a model response an earlier attempt began (docs/resume.md) and cannot:
 * the upstream no longer has it, it failed, or it never left `queued`. Thrown before the app yields
 * anything for that response; the pipeline then regenerates the answer as without a resume point.
 */
export class ResumeUnavailable extends Error {
  override name = 'ResumeUnavailable';
  constructor(readonly reason: string) {
    super(`cannot continue the model response: ${reason}`);
  }
}
