// Error answers for every route of the gateway: JSON `{"error":{"code","message"}}` as
// `httpErrorOf` maps the error, never express's HTML page, a stack trace or a server path.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { wwwAuthenticate } from '@switchyard/auth';
import { httpErrorOf, INTERNAL_ERROR_JSON, NotFound } from '@switchyard/errors';

/** What a failed route may have set for the answer it meant to send; none of it describes an error. */
const CONTENT_HEADERS = ['Content-Encoding', 'Content-Disposition', 'Content-Range', 'ETag', 'Last-Modified'];

function writeJson(res: Response, status: number, body: string): void {
  for (const header of CONTENT_HEADERS) res.removeHeader(header);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/**
 * Answers `err` as JSON; a 5xx is logged with the error, the client gets the generic message. It
 * cannot fail: whatever goes wrong while answering (an error whose getters throw, a logger that
 * throws) ends in the fixed 500 body, or in closing a response whose headers already went out.
 */
export function sendError(req: Request, res: Response, err: unknown): void {
  try {
    const http = httpErrorOf(err);
    if (http.status >= 500) {
      try {
        req.log?.error({ err }, 'request failed');
      } catch {
        // The answer matters more than the log line.
      }
    }
    // A stream already under way: all that is left to do is to end it.
    if (res.headersSent) {
      res.end();
      return;
    }
    if (http.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(http.retryAfterSeconds));
    // RFC 6750: a 401 says how to authenticate, and (for a bad token) that the token was the problem.
    if (http.status === 401) res.setHeader('WWW-Authenticate', wwwAuthenticate(err));
    writeJson(res, http.status, JSON.stringify(http.body));
  } catch {
    try {
      if (res.headersSent) res.destroy();
      else writeJson(res, 500, INTERNAL_ERROR_JSON);
    } catch {
      res.destroy();
    }
  }
}

/** The error handler to mount last, after every route: nothing reaches express's default HTML handler. */
export const jsonErrorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => sendError(req, res, err);

/** Mounted after every route: a request no route claimed is a JSON 404. */
export const jsonNotFound: RequestHandler = (req, _res, next) => next(new NotFound(`no route for ${req.method} ${req.path}`));
