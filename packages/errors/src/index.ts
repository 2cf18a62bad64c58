// @switchyard/errors: errors as values. Every failure Switchyard reports has a class, a stable code
// and an HTTP status; `httpErrorOf` is the one place that maps any thrown value to an HTTP answer.
export {
  BadRequest,
  Conflict,
  Forbidden,
  InvalidContent,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  SwitchyardError,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType,
  UpstreamError,
  UpstreamRateLimited,
} from './switchyard-errors.ts';
export { httpErrorOf, INTERNAL_ERROR_JSON, MAX_ERROR_MESSAGE_CHARS, type HttpError } from './http-error.ts';
export { fromHttpLayerError } from './http-layer-errors.ts';
export { chatKitErrorEventOf, CustomStreamError, ResumeUnavailable, StreamError, type ChatKitErrorEvent } from './stream-errors.ts';
