// httpErrorOf as a specification: which errors keep their status, which become an opaque 500, how
// the HTTP layer's own errors are mapped — and that no error, however hostile, makes it throw.
import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  Conflict,
  httpErrorOf,
  INTERNAL_ERROR_JSON,
  MAX_ERROR_MESSAGE_CHARS,
  NotFound,
  ServiceUnavailable,
  SwitchyardError,
} from '../src/index.ts';

const INTERNAL = { status: 500, body: JSON.parse(INTERNAL_ERROR_JSON) as unknown };

/** An http-errors error as body-parser / raw-body raise it. */
function parserError(status: number, type: string | undefined, props: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('parser said so'), { status, statusCode: status, expose: true, ...(type ? { type } : {}), ...props });
}

function deepObject(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('Switchyard errors keep their status, code and message', () => {
  it.each([
    [new BadRequest('params.thread_id: required'), 400, 'bad_request'],
    [new NotFound('thread thr_1 not found'), 404, 'not_found'],
    [new Conflict('busy'), 409, 'conflict'],
  ])('%s', (err, status, code) => {
    expect(httpErrorOf(err)).toEqual({ status, body: { error: { code, message: err.message } } });
  });

  it('a Retry-After travels with the answer', () => {
    const err = new ServiceUnavailable('later');
    err.retryAfterSeconds = 7;
    expect(httpErrorOf(err).retryAfterSeconds).toBe(7);
  });

  it(`messages are cut to ${MAX_ERROR_MESSAGE_CHARS} characters: they may quote the client`, () => {
    const { body } = httpErrorOf(new BadRequest(`unknown request type "${'x'.repeat(100_000)}"`));
    expect(body.error.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(body.error.message.endsWith('…')).toBe(true);
  });

  it('a client quoting a Redis outage message is still a 400, not a 503', () => {
    expect(httpErrorOf(new BadRequest('unknown request type "Connection is closed"')).status).toBe(400);
  });

  it('a subclass with a status that is not an error status is a 500', () => {
    class Odd extends SwitchyardError {
      readonly code = 'odd';
      readonly status = 200;
    }
    expect(httpErrorOf(new Odd('fine?'))).toEqual(INTERNAL);
  });
});

describe('anything else is an opaque 500 (the details stay in the server log)', () => {
  it.each([
    ['a TypeError from an app hook', new TypeError("Cannot read properties of undefined (reading 'join')")],
    [
      'a library error carrying a 4xx status (an upstream API said 400)',
      Object.assign(new Error('upstream: invalid model'), { status: 400 }),
    ],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['an error naming a server path', new Error("ENOENT: no such file or directory, open '/srv/app/.data/blobs/x'")],
  ])('%s', (_name, err) => {
    expect(httpErrorOf(err)).toEqual(INTERNAL);
  });
});

describe('the HTTP layer’s own errors (body-parser, raw-body, the router) are the 4xx they mean', () => {
  it.each([
    [
      'a body over the limit',
      parserError(413, 'entity.too.large', { limit: 1024 }),
      413,
      'payload_too_large',
      'request body exceeds 1024 bytes',
    ],
    [
      'an unsupported Content-Encoding',
      parserError(415, 'encoding.unsupported', { encoding: 'zstd' }),
      415,
      'unsupported_media_type',
      /Content-Encoding/,
    ],
    ['an unsupported charset', parserError(415, 'charset.unsupported'), 415, 'unsupported_media_type', /UTF-8/],
    ['an aborted upload', parserError(400, 'request.aborted'), 400, 'bad_request', /aborted/],
    ['a body shorter than its Content-Length', parserError(400, 'request.size.invalid'), 400, 'bad_request', /Content-Length/],
    [
      'a gzip body that does not inflate',
      parserError(400, undefined, { code: 'Z_DATA_ERROR', errno: -3 }),
      400,
      'bad_request',
      /does not decode with its Content-Encoding/,
    ],
    [
      'bad percent-encoding in a route parameter (the router’s URIError)',
      Object.assign(new URIError("Failed to decode param '%zz'"), { status: 400 }),
      400,
      'bad_request',
      'the request path is not valid percent-encoding',
    ],
  ])('%s', (_name, err, status, code, message) => {
    const http = httpErrorOf(err);
    expect(http.status).toBe(status);
    expect(http.body.error.code).toBe(code);
    expect(http.body.error.message).toMatch(message);
  });
});

describe('httpErrorOf cannot fail', () => {
  it('an error whose message getter throws is a 500', () => {
    const err = new BadRequest('x');
    Object.defineProperty(err, 'message', {
      get() {
        throw new Error('getter');
      },
    });
    expect(httpErrorOf(err)).toEqual(INTERNAL);
  });

  it('an error whose cause or name getter throws is a 500', () => {
    const err = new Error('x');
    Object.defineProperty(err, 'name', {
      get() {
        throw new Error('getter');
      },
    });
    expect(httpErrorOf(err)).toEqual(INTERNAL);
    const caused = new Error('y');
    Object.defineProperty(caused, 'cause', {
      get() {
        throw new Error('getter');
      },
    });
    expect(httpErrorOf(caused)).toEqual(INTERNAL);
  });

  it('a cause whose message stringifies a deep input (as a ZodError’s does) is never formatted', () => {
    const deep = deepObject(100_000);
    const zodLike = new Error();
    Object.defineProperty(zodLike, 'message', { get: () => JSON.stringify(deep) });
    expect(() => zodLike.message).toThrow(RangeError);
    expect(httpErrorOf(new BadRequest('params.title: expected string, got object', { cause: zodLike }))).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'params.title: expected string, got object' } },
    });
    expect(httpErrorOf(zodLike)).toEqual(INTERNAL);
  });

  it('a Proxy that throws on every access is a 500', () => {
    const hostile = new Proxy(new Error('x'), {
      get() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new Error('trap');
      },
    });
    expect(httpErrorOf(hostile)).toEqual(INTERNAL);
  });

  it('every answer is a fresh object: a caller changing one changes no other', () => {
    const a = httpErrorOf(new Error('x'));
    a.body.error.message = 'changed';
    expect(httpErrorOf(new Error('x'))).toEqual(INTERNAL);
  });
});
