// Development identity: a request without credentials is user `dev`, and `X-Switchyard-User` acts as
// anyone. Only for development (`DEV_IDENTITY`); it never returns null, so it belongs last in a chain.

import { BadRequest } from '@switchyard/errors';
import { headerValue, type Authenticate } from './authenticator.ts';
import { OWNER_PATTERN } from './owner.ts';

export const DEV_USER = 'dev';
export const USER_HEADER = 'x-switchyard-user';

export interface DevIdentityOptions {
  /** Owner of requests without the header; default `dev`. */
  defaultUser?: string;
}

export function devIdentityAuthenticator(opts: DevIdentityOptions = {}): Authenticate {
  const defaultUser = opts.defaultUser ?? DEV_USER;
  if (!OWNER_PATTERN.test(defaultUser)) throw new Error(`dev identity: default user must match ${OWNER_PATTERN.source}`);
  return async (req) => {
    const owner = headerValue(req, USER_HEADER)?.trim() || defaultUser;
    if (!OWNER_PATTERN.test(owner)) throw new BadRequest(`${USER_HEADER} must match ${OWNER_PATTERN.source}`);
    return { owner, claims: {} };
  };
}
