// CORS for browsers on other origins (CORS_ORIGINS): only the listed origins get CORS headers, and only
// on /chatkit, its run routes and the upload routes. An unlisted origin gets none (its browser then
// refuses to read the answer); with no list the gateway sends no CORS headers at all.
import cors, { type CorsOptions } from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UPLOAD_TOKEN_HEADER } from '@switchyard/attachments';
import { USER_HEADER } from '@switchyard/auth';
import { RUN_ID_HEADER } from '@switchyard/chatkit-endpoint';

/** The paths CORS applies to: `/chatkit`, `/chatkit/runs/…`, `/chatkit/uploads/…`. */
export const CORS_PATH = '/chatkit';

/** The middleware for `origins` (exact `scheme://host[:port]`), or null when the list is empty. */
export function createCorsMiddleware(origins: readonly string[], opts: { devIdentity: boolean }): RequestHandler | null {
  if (origins.length === 0) return null;
  const allowed = new Set(origins);
  const options: CorsOptions = {
    // Reflects the request's origin, which the delegate below has already found on the list.
    origin: true,
    methods: ['GET', 'POST', 'PUT'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Last-Event-ID',
      UPLOAD_TOKEN_HEADER,
      // Development identity only: acting as another user is not a production header.
      ...(opts.devIdentity ? [USER_HEADER] : []),
    ],
    // The run id (to re-attach or cancel) and how long to wait after a 429 or 503.
    exposedHeaders: [RUN_ID_HEADER, 'Retry-After'],
    maxAge: 600,
  };
  const middleware = cors((req, callback) => {
    const origin = req.headers.origin;
    // `origin: false` makes the cors middleware add nothing and pass the request on.
    callback(null, origin !== undefined && allowed.has(origin) ? options : { origin: false });
  });
  return (req: Request, res: Response, next: NextFunction) => {
    // Answers differ by Origin, listed or not: no shared cache may hand one origin's answer to another.
    res.vary('Origin');
    middleware(req, res, next);
  };
}
