// The two operations roles and the HTTP Basic check that grants them: the user name is the role
// (`viewer` or `operator`), the password its configured token. Shared by every operations page.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export type OpsRole = 'viewer' | 'operator';

/** OPS_VIEWER_TOKEN / OPS_OPERATOR_TOKEN; a role without a token cannot be granted. */
export interface OpsCredentials {
  viewerToken?: string;
  operatorToken?: string;
}

export interface RequireRoleOptions {
  /** The Basic realm the browser shows (and keys its cached credentials by). */
  realm: string;
  /** What the credentials are for, in the 401 body. */
  what: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The role a request's Basic credentials grant, or null. */
export function roleOf(req: { headers: IncomingHttpHeaders }, creds: OpsCredentials): OpsRole | null {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return null;
  const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  const password = rest.join(':');
  if (user === 'operator' && creds.operatorToken && same(password, creds.operatorToken)) return 'operator';
  if (user === 'viewer' && creds.viewerToken && same(password, creds.viewerToken)) return 'viewer';
  return null;
}

/** Express middleware: 401 with a Basic challenge without valid credentials, 403 for a role not allowed. */
export function requireRole(creds: OpsCredentials, allowed: readonly OpsRole[], opts: RequireRoleOptions) {
  return (req: Request, res: Response, next: NextFunction) => {
    const role = roleOf(req, creds);
    if (!role) {
      res
        .set('WWW-Authenticate', `Basic realm="${opts.realm}"`)
        .status(401)
        .json({ error: { code: 'unauthorized', message: `${opts.what} credentials required` } });
      return;
    }
    if (!allowed.includes(role)) {
      res.status(403).json({ error: { code: 'forbidden', message: `role ${role} may not use the ${opts.what}` } });
      return;
    }
    next();
  };
}
