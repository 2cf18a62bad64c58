// Who is asking: every request has an owner and every store call is scoped by it. Until real auth
// lands, development mode treats a request without credentials as `dev` and honours
// `X-Switchyard-User`; outside development an unauthenticated request is refused.
import type { Request } from 'express';
import { BadRequest, Unauthorized } from '@switchyard/errors';

export const DEV_USER = 'dev';
export const USER_HEADER = 'x-switchyard-user';
// Owners name blob folders too: no leading dot or dash, no `..` (the blob store refuses those).
const OWNER_PATTERN = /^(?!.*\.\.)[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}$/;

export interface IdentityOptions {
  devIdentity: boolean;
}

export function ownerOf(req: Request, opts: IdentityOptions): string {
  if (!opts.devIdentity) throw new Unauthorized('authentication required');
  const header = req.get(USER_HEADER);
  const owner = header?.trim() || DEV_USER;
  if (!OWNER_PATTERN.test(owner)) throw new BadRequest(`${USER_HEADER} must match ${OWNER_PATTERN.source}`);
  return owner;
}
