// The queue dashboard (bull-board) behind HTTP Basic auth with two roles: `viewer` sees every
// queue read-only, `operator` may also retry, remove and promote jobs. Tokens come from config;
// without them the dashboard is not mounted at all.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type Router } from 'express';
import { requireRole, type OpsCredentials } from './roles.ts';

export { requireRole, roleOf, type OpsCredentials, type OpsRole } from './roles.ts';

export interface QueueDashboardOptions {
  queues: Queue[];
  /** Where the dashboard lives, e.g. `/admin/queues`; the read-only board is at `<basePath>/view`. */
  basePath: string;
  viewerToken?: string;
  operatorToken?: string;
}

function board(queues: Queue[], basePath: string, readOnlyMode: boolean): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode })), serverAdapter: adapter });
  return adapter.getRouter() as Router;
}

export function createQueueDashboard(opts: QueueDashboardOptions): Router {
  const router = express.Router();
  const viewPath = `${opts.basePath}/view`;
  const creds: OpsCredentials = { viewerToken: opts.viewerToken, operatorToken: opts.operatorToken };
  const auth = { realm: 'switchyard queues', what: 'queue dashboard' };
  // The read-only board is registered first so its longer path wins over the operator board.
  router.use(viewPath, requireRole(creds, ['viewer', 'operator'], auth), board(opts.queues, viewPath, true));
  router.use(opts.basePath, requireRole(creds, ['operator'], auth), board(opts.queues, opts.basePath, false));
  return router;
}
