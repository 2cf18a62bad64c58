// The gateway's HTTP surface: the ChatKit endpoint, signed file downloads for the local blob
// driver, health and the demo page. Wiring only; behaviour lives in the packages they come from.
import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { createLocalFilesRouter } from '@switchyard/blob';
import {
  createChatKitRouter,
  jsonErrorHandler,
  jsonNotFound,
  requestLogFields,
  type ChatKitRouterDeps,
} from '@switchyard/chatkit-endpoint';
import { runChecks, type Check } from '@switchyard/service-kit';
import { CORS_PATH, createCorsMiddleware } from './cors.ts';

export interface GatewayAppDeps extends ChatKitRouterDeps {
  /** Serve `/files/*` from a local blob root (BLOB_DRIVER=local). */
  localFiles?: { root: string; signingSecret: string };
  readiness: Record<string, Check>;
  /** bull-board behind auth (mounted when credentials are configured). */
  queueDashboard?: Router;
  /** The live operations page `/ops` behind the same credentials (its WebSocket is attached in main). */
  opsPage?: Router;
  /** The demo chat page at `/` (DEMO_PAGE). */
  demoPage?: Router;
  /** CORS_ORIGINS: origins that get CORS headers on /chatkit, its run and upload routes (none when empty). */
  corsOrigins?: readonly string[];
  /** Development identity is on (CORS then also allows its X-Switchyard-User header). */
  devIdentity?: boolean;
}

export function createGatewayApp(deps: GatewayAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger: deps.logger,
      // Probes would drown the access log.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      // The access line is written after the response, outside the request's trace context.
      customProps: (_req, res) => requestLogFields(res),
    }),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await runChecks(deps.readiness);
    res.status(r.ok ? 200 : 503).json(r);
  });
  if (deps.localFiles) app.use('/files', createLocalFilesRouter(deps.localFiles));
  if (deps.queueDashboard) app.use(deps.queueDashboard);
  if (deps.opsPage) app.use(deps.opsPage);
  const corsMiddleware = createCorsMiddleware(deps.corsOrigins ?? [], { devIdentity: deps.devIdentity ?? false });
  if (corsMiddleware) app.use(CORS_PATH, corsMiddleware);
  app.use(createChatKitRouter(deps));
  // Last: it only claims `/` and `/demo/*`, so it can never shadow an API route.
  if (deps.demoPage) app.use(deps.demoPage);
  // After everything: what no route claimed is a JSON 404, and what any route threw (the files and demo
  // routers included) a JSON error, so express's default HTML error page is never reached.
  app.use(jsonNotFound);
  app.use(jsonErrorHandler);
  return app;
}
