// The errors the HTTP layer raises before a handler runs — express's body parser (body-parser and
// raw-body: http-errors with a `type`) and its router (a URIError for bad percent-encoding in a path
// parameter) — as the Switchyard errors they mean. Only these are trusted to be the client's fault.
import { BadRequest, Forbidden, PayloadTooLarge, UnsupportedMediaType, type SwitchyardError } from './switchyard-errors.ts';

interface HttpLayerError extends Error {
  status: number;
  type?: unknown;
  limit?: unknown;
  encoding?: unknown;
  charset?: unknown;
  errno?: unknown;
}

const BY_TYPE: Record<string, (err: HttpLayerError) => SwitchyardError> = {
  'entity.too.large': (err) =>
    new PayloadTooLarge(`request body exceeds ${typeof err.limit === 'number' ? `${err.limit} bytes` : 'the limit'}`),
  'encoding.unsupported': () => new UnsupportedMediaType('Content-Encoding must be identity, gzip, deflate or br'),
  'charset.unsupported': () => new UnsupportedMediaType('the request body must be UTF-8'),
  'request.aborted': () => new BadRequest('the request was aborted before its body arrived'),
  'request.size.invalid': () => new BadRequest('the request body does not match its Content-Length'),
  'entity.parse.failed': () => new BadRequest('request body is not valid JSON'),
  'entity.verify.failed': () => new Forbidden('request body refused'),
};

/** `createError(4xx, err)` marks what it wraps `expose`; the router's URIError carries a bare status 400. */
function isHttpLayerError(err: unknown): err is HttpLayerError {
  if (!(err instanceof Error)) return false;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return false;
  return expose === true || err instanceof URIError;
}

/**
 * The Switchyard error a body-parser, raw-body or router error means, or null for anything else
 * (an app's or a library's error with a `status` is not the client's fault and stays a 500).
 */
export function fromHttpLayerError(err: unknown): SwitchyardError | null {
  if (!isHttpLayerError(err)) return null;
  const byType = typeof err.type === 'string' ? BY_TYPE[err.type] : undefined;
  if (byType) return byType(err);
  // The router decoding `/chatkit/runs/%zz/cancel`; the parameter itself is not echoed.
  if (err instanceof URIError) return new BadRequest('the request path is not valid percent-encoding');
  // A decompression stream's error (zlib "incorrect header check", brotli "Decompression failed"),
  // which body-parser wraps as a 400 without a type.
  if (typeof err.errno === 'number') return new BadRequest('the request body does not decode with its Content-Encoding');
  if (err.status === 413) return new PayloadTooLarge('request body too large');
  if (err.status === 415) return new UnsupportedMediaType('unsupported request body');
  return new BadRequest('malformed request');
}
