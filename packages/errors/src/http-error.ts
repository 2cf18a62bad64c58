// `httpErrorOf` is the one place that maps any thrown value to an HTTP answer. It cannot fail: it
// reads nothing of an error it does not own beyond a few fields, and any surprise is a fixed 500.
import { fromHttpLayerError } from './http-layer-errors.ts';
import { SwitchyardError } from './switchyard-errors.ts';

export interface HttpError {
  status: number;
  body: { error: { code: string; message: string } };
  retryAfterSeconds?: number;
}

/** Longest message a client is sent: messages may quote the client's input, and are cut to this. */
export const MAX_ERROR_MESSAGE_CHARS = 1_000;

const INTERNAL_CODE = 'internal_error';
const INTERNAL_MESSAGE = 'Internal server error';

/** The body of every answer that has nothing better to say, as bytes ready to send. */
export const INTERNAL_ERROR_JSON = JSON.stringify({ error: { code: INTERNAL_CODE, message: INTERNAL_MESSAGE } });

function internalError(): HttpError {
  return { status: 500, body: { error: { code: INTERNAL_CODE, message: INTERNAL_MESSAGE } } };
}

/** Driver errors that mean a dependency is down or unreachable, not that the request was wrong. */
const OUTAGE_ERRORS: Record<string, string> = {
  MongoServerSelectionError: 'mongodb',
  MongoNetworkError: 'mongodb',
  MongoNetworkTimeoutError: 'mongodb',
  MongoTopologyClosedError: 'mongodb',
  MaxRetriesPerRequestError: 'redis',
};
const REDIS_OUTAGE_MESSAGE = /Connection is closed|Stream isn't writeable/;

function outageOf(err: unknown): string | null {
  try {
    for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
      if (Object.hasOwn(OUTAGE_ERRORS, e.name)) return OUTAGE_ERRORS[e.name]!;
      // A Switchyard error's message may quote the client ("unknown request type …"): never an outage.
      if (!(e instanceof SwitchyardError) && typeof e.message === 'string' && REDIS_OUTAGE_MESSAGE.test(e.message)) return 'redis';
    }
  } catch {
    // A cause that cannot be read (a getter that throws, a ZodError's message overflowing on a deep
    // input) is not evidence of an outage; the error itself is answered on its own terms.
  }
  return null;
}

function truncated(message: string): string {
  return message.length > MAX_ERROR_MESSAGE_CHARS ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : message;
}

function answerOf(err: unknown): HttpError {
  const outage = outageOf(err);
  if (outage) {
    return {
      status: 503,
      body: { error: { code: 'service_unavailable', message: `${outage} is unavailable; retry shortly` } },
      retryAfterSeconds: 2,
    };
  }
  const known = err instanceof SwitchyardError ? err : fromHttpLayerError(err);
  if (!known) return internalError();
  const { status, code, message, retryAfterSeconds } = known;
  if (!Number.isInteger(status) || status < 400 || status > 599 || typeof code !== 'string' || typeof message !== 'string')
    return internalError();
  return {
    status,
    body: { error: { code: truncated(code), message: truncated(message) } },
    ...(typeof retryAfterSeconds === 'number' && Number.isFinite(retryAfterSeconds) ? { retryAfterSeconds } : {}),
  };
}

/**
 * Maps any thrown value to the HTTP answer: a SwitchyardError keeps its status and message (cut to
 * MAX_ERROR_MESSAGE_CHARS), the HTTP layer's own errors (body parser, router) become the 4xx they
 * mean, dependency outages are 503, anything else — an app's TypeError, a library's error with a
 * `status` — an opaque 500. Never throws: an error whose fields cannot be read is a 500 too.
 */
export function httpErrorOf(err: unknown): HttpError {
  try {
    return answerOf(err);
  } catch {
    return internalError();
  }
}
