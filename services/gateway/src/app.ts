// The gateway's HTTP surface: the ChatKit endpoint, signed file downloads for the local blob
// driver, and health. Wiring only; behaviour lives in @switchyard/chatkit-endpoint.
import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { createLocalFilesRouter } from '@switchyard/blob';
import { createChatKitRouter, type ChatKitRouterDeps } from '@switchyard/chatkit-endpoint';
import { runChecks, type Check } from '@switchyard/service-kit';

export interface GatewayAppDeps extends ChatKitRouterDeps {
  /** Serve `/files/*` from a local blob root (BLOB_DRIVER=local). */
  localFiles?: { root: string; signingSecret: string };
  readiness: Record<string, Check>;
  /** bull-board behind auth (mounted when credentials are configured). */
  queueDashboard?: Router;
}

export function createGatewayApp(deps: GatewayAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger: deps.logger,
      // Probes would drown the access log.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
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
  app.use(createChatKitRouter(deps));
  return app;
}
