// The gateway route (`/files/<name>?exp=&sig=`) that serves the local driver's objects to whoever
// holds a signed URL. Range, conditional requests and HEAD come from express's `send` machinery.
// Every answer says how to present the bytes (Content-Disposition) and every refusal is JSON.

import { create as contentDisposition } from 'content-disposition';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { BadRequest, Forbidden, httpErrorOf, NotFound } from '@switchyard/errors';
import { LocalObjectFiles } from './local-object-files.ts';
import { assertValidObjectName } from './object-names.ts';
import { verifyLocalFileUrl } from './url-signing.ts';

export interface LocalFilesRouterOptions {
  root: string;
  signingSecret: string;
}

/**
 * Custom metadata key holding the name a download is saved under (an attachment's original file
 * name); without it the object name's last segment is used.
 */
export const DOWNLOAD_NAME_METADATA_KEY = 'filename';

/** Raster image types a browser shows itself and the page displays: served `inline`, all else `attachment`. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_DOWNLOAD_NAME_LENGTH = 200;

/**
 * A file name safe to put in a header: no control characters or path separators, at most 200
 * characters, never empty. content-disposition then writes an ASCII `filename` fallback and the
 * RFC 5987/8187 `filename*` for anything beyond ASCII.
 */
export function downloadName(raw: string | undefined, objectName: string): string {
  const clean = (value: string): string =>
    [...value]
      .map((c) => {
        const code = c.codePointAt(0) ?? 0;
        return code < 0x20 || (code >= 0x7f && code <= 0x9f) || c === '/' || c === '\\' ? '_' : c;
      })
      .join('')
      .trim()
      .replace(/^\.+/, '');
  const name = [...(clean(raw ?? '') || clean(objectName.split('/').pop() ?? ''))].slice(0, MAX_DOWNLOAD_NAME_LENGTH).join('');
  return name || 'download';
}

/** `inline` for the image types shown in the page today, `attachment` for everything else. */
export function contentDispositionFor(contentType: string, filename: string): string {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return contentDisposition(filename, { type: INLINE_TYPES.has(essence) ? 'inline' : 'attachment' });
}

/** Mount at `/files`: the local store signs URLs for `${publicBaseUrl}/files/<name>`. */
export function createLocalFilesRouter(opts: LocalFilesRouterOptions): Router {
  const files = new LocalObjectFiles(opts.root);
  const router = express.Router();

  router.get('/*name', async (req: Request, res: Response, next: NextFunction) => {
    try {
      // The wildcard gives decoded segments; the signature covers the name they spell.
      const segments = (req.params as { name?: string[] }).name ?? [];
      const name = segments.join('/');
      const check = verifyLocalFileUrl({ name, exp: req.query.exp, sig: req.query.sig, secret: opts.signingSecret });
      if (!check.ok) {
        throw new Forbidden(check.reason === 'expired' ? 'This file URL has expired' : 'This file URL is not validly signed');
      }
      // Only names that passed validation were ever signed; this is defence in depth.
      assertValidObjectName(name);
      const sidecar = await files.readSidecar(name);
      if (!sidecar) throw new NotFound(`File ${name} not found`);

      const maxAge = Math.max(0, check.exp - Math.floor(Date.now() / 1000));
      // `send` keeps a Content-Type that is already set, so the stored type wins over the extension.
      res.setHeader('Content-Type', sidecar.contentType);
      // Shared caches must not keep a response that only a signed URL may fetch, nor past its expiry.
      res.setHeader('Cache-Control', `private, max-age=${maxAge}`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Uploaded attachments are served from the gateway's origin: never let one run as a page there.
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.setHeader(
        'Content-Disposition',
        contentDispositionFor(sidecar.contentType, downloadName(sidecar.metadata[DOWNLOAD_NAME_METADATA_KEY], name)),
      );
      res.sendFile(
        name,
        { root: files.objectsDir, acceptRanges: true, cacheControl: false, lastModified: true, dotfiles: 'deny' },
        (err?: Error) => {
          if (!err || res.headersSent) return;
          const status = (err as { status?: unknown }).status;
          if (status === 416) {
            const range = (err as { headers?: Record<string, string> }).headers?.['Content-Range'];
            if (range) res.setHeader('Content-Range', range);
            sendError(res, 416, { error: { code: 'range_not_satisfiable', message: 'The requested range is not satisfiable' } });
          } else if (status === 404 || (err as { code?: unknown }).code === 'ENOENT') {
            // Deleted between the sidecar read and the open.
            respond(res, new NotFound(`File ${name} not found`));
          } else if ((err as { code?: unknown }).code !== 'ECONNABORTED') {
            next(err);
          }
        },
      );
    } catch (err) {
      if (err instanceof Forbidden || err instanceof NotFound || err instanceof BadRequest) respond(res, err);
      else next(err);
    }
  });

  // A path the router cannot decode (`/files/%zz`) fails while matching, before the route runs:
  // answer it as JSON, never with the framework's HTML error page (a stack trace and server paths).
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || !(err instanceof URIError || (err as { status?: unknown }).status === 400)) {
      next(err);
      return;
    }
    respond(res, new BadRequest('The file path is not validly percent-encoded'));
  });

  return router;
}

function respond(res: Response, err: unknown): void {
  const { status, body } = httpErrorOf(err);
  sendError(res, status, body);
}

function sendError(res: Response, status: number, body: { error: { code: string; message: string } }): void {
  // Drop what was set for the file (its type, caching, validators) before answering with JSON.
  for (const header of ['Content-Type', 'Cache-Control', 'Content-Security-Policy', 'Content-Disposition', 'ETag', 'Last-Modified'])
    res.removeHeader(header);
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).json(body);
}
