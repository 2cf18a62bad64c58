// The demo chat page: `GET /` serves a static page whose browser modules (`browser/*.js`, loaded
// as they are, no build step) speak the ChatKit protocol to this gateway's `/chatkit`.
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** Where the page's modules and stylesheet are served (the page links them relative to `/`). */
export const DEMO_ASSETS_PATH = '/demo';

const BROWSER_DIR = fileURLToPath(new URL('../browser/', import.meta.url));

/** Everything the browser may fetch, by name: the folder also holds type declarations for the tests. */
const ASSETS: Record<string, string> = {
  'demo-app.js': 'text/javascript; charset=utf-8',
  'chatkit-client.js': 'text/javascript; charset=utf-8',
  'sse-parser.js': 'text/javascript; charset=utf-8',
  'thread-state.js': 'text/javascript; charset=utf-8',
  'thread-view.js': 'text/javascript; charset=utf-8',
  'demo.css': 'text/css; charset=utf-8',
};

// Scripts and styles from this origin only; images from anywhere (signed blob URLs may live on a
// storage host such as GCS); requests only to this origin.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  'img-src * data: blob:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function sendFile(res: Response, next: NextFunction, name: string, contentType: string): void {
  res.set({
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    // Revalidated on every load (ETag), so a new gateway version never runs with old modules.
    'Cache-Control': 'no-cache',
  });
  res.sendFile(name, { root: BROWSER_DIR, cacheControl: false }, (err) => {
    if (err && !res.headersSent) next(err);
  });
}

export function createDemoPageRouter(): Router {
  const router = express.Router();
  router.get('/', (_req: Request, res: Response, next: NextFunction) => {
    res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Referrer-Policy': 'no-referrer' });
    sendFile(res, next, 'index.html', 'text/html; charset=utf-8');
  });
  router.get(`${DEMO_ASSETS_PATH}/:file`, (req: Request, res: Response, next: NextFunction) => {
    const name = String(req.params.file);
    const contentType = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!contentType) {
      next();
      return;
    }
    sendFile(res, next, name, contentType);
  });
  // A path the router cannot decode (`/demo/%zz`) fails while matching, before any route runs:
  // answer it as the API's JSON 400, never with the framework's HTML error page (a stack trace and
  // server paths). Other errors go on to the app's handler.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || !(err instanceof URIError || (err as { status?: unknown }).status === 400)) {
      next(err);
      return;
    }
    res
      .status(400)
      .set('Cache-Control', 'no-store')
      .json({ error: { code: 'bad_request', message: 'The path is not validly percent-encoded' } });
  });
  return router;
}
