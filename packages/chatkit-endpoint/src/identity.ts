// Who is asking: every route of the endpoint turns its request into an owner through the one
// `authenticate` step the gateway composes (@switchyard/auth: the app's hook, bearer JWTs, a trusted
// proxy header, development identity). No recognised credentials is a 401; everything after sees only
// the owner, never the claims.
import type { Request } from 'express';
import type { Authenticate } from '@switchyard/auth';
import { Unauthorized } from '@switchyard/errors';

const owners = new WeakMap<Request, Promise<string>>();

/** The request's owner (authenticated once per request, however often it is asked). */
export function ownerOf(req: Request, authenticate: Authenticate): Promise<string> {
  let owner = owners.get(req);
  if (!owner) {
    owner = authenticate({ method: req.method, url: req.originalUrl, headers: req.headers }).then((identity) => {
      if (!identity) throw new Unauthorized('authentication required');
      return identity.owner;
    });
    owners.set(req, owner);
  }
  return owner;
}
