// The gateway's HTTP surface: the ChatKit endpoint, signed file downloads for the local blob
// driver, health and the demo page. Wiring only; behaviour lives in the packages they come from.
import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { createLocalFilesRouter } from '@switchyard/blob';
import { createChatKitRouter, requestLogFields, type ChatKitRouterDeps } from '@switchyard/chatkit-endpoint';
import { runChecks, type Check } from '@switchyard/service-kit';

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
  app.use(createChatKitRouter(deps));
  // Last: it only claims `/` and `/demo/*`, so it can never shadow an API route.
  if (deps.demoPage) app.use(deps.demoPage);
  return app;
}
