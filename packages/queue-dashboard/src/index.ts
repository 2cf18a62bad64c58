// The queue dashboard (bull-board) behind HTTP Basic auth with two roles: `viewer` sees every
// queue read-only, `operator` may also retry, remove and promote jobs. Tokens come from config;
// without them the dashboard is not mounted at all.
import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

export interface QueueDashboardOptions {
  queues: Queue[];
  /** Where the dashboard lives, e.g. `/admin/queues`; the read-only board is at `<basePath>/view`. */
  basePath: string;
  viewerToken?: string;
  operatorToken?: string;
}

type Role = 'viewer' | 'operator';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The role a request's Basic credentials grant (user name is the role, password its token). */
function roleOf(req: Request, opts: QueueDashboardOptions): Role | null {
  const header = req.get('authorization') ?? '';
  if (!header.startsWith('Basic ')) return null;
  const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  const password = rest.join(':');
  if (user === 'operator' && opts.operatorToken && same(password, opts.operatorToken)) return 'operator';
  if (user === 'viewer' && opts.viewerToken && same(password, opts.viewerToken)) return 'viewer';
  return null;
}

function requireRole(opts: QueueDashboardOptions, allowed: Role[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const role = roleOf(req, opts);
    if (!role) {
      res.set('WWW-Authenticate', 'Basic realm="switchyard queues"').status(401).json({ error: { code: 'unauthorized', message: 'queue dashboard credentials required' } });
      return;
    }
    if (!allowed.includes(role)) {
      res.status(403).json({ error: { code: 'forbidden', message: `role ${role} may not use this board` } });
      return;
    }
    next();
  };
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
  // The read-only board is registered first so its longer path wins over the operator board.
  router.use(viewPath, requireRole(opts, ['viewer', 'operator']), board(opts.queues, viewPath, true));
  router.use(opts.basePath, requireRole(opts, ['operator']), board(opts.queues, opts.basePath, false));
  return router;
}
