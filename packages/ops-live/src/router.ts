// The HTTP side of the live operations page: the page, its script and stylesheet, and the live token
// its WebSocket presents, all behind the viewer/operator Basic credentials of the queue dashboard.
import { readFileSync } from 'node:fs';
import { requireRole, roleOf, type OpsCredentials } from '@switchyard/queue-dashboard';
import express, { type Response, type Router } from 'express';
import type { LiveTokens } from './live-token.ts';

export interface OpsRouterOptions {
  credentials: OpsCredentials;
  tokens: Pick<LiveTokens, 'issue' | 'lifetimeSeconds'>;
  /** Default `/ops`; the WebSocket is at `<basePath>/live`. */
  basePath?: string;
}

const page = (file: string) => readFileSync(new URL(`../page/${file}`, import.meta.url), 'utf8');

// Everything the page loads comes from this origin: no CDN, so it works on a closed network.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function createOpsRouter(opts: OpsRouterOptions): Router {
  const base = opts.basePath ?? '/ops';
  const html = page('index.html').replaceAll('{{base}}', base);
  const script = page('ops.js');
  const css = page('ops.css');
  const send = (res: Response, type: string, body: string) => {
    res
      .set({ 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' })
      .send(body);
  };

  const router = express.Router();
  router.use(base, requireRole(opts.credentials, ['viewer', 'operator'], { realm: 'switchyard ops', what: 'operations page' }));
  router.get(base, (_req, res) => send(res, 'text/html; charset=utf-8', html));
  router.get(`${base}/ops.js`, (_req, res) => send(res, 'text/javascript; charset=utf-8', script));
  router.get(`${base}/ops.css`, (_req, res) => send(res, 'text/css; charset=utf-8', css));
  router.get(`${base}/live-token`, async (req, res) => {
    const role = roleOf(req, opts.credentials)!; // requireRole let the request through
    res
      .set('Cache-Control', 'no-store')
      .json({ token: await opts.tokens.issue(role), expiresInSeconds: opts.tokens.lifetimeSeconds, path: `${base}/live` });
  });
  return router;
}
