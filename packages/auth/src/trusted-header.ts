// A deployer-style method: a trusted proxy in front of the gateway authenticates the user and names
// them in a header. With a shared secret the proxy must also send, a request that bypassed it is refused.

import { createHash, timingSafeEqual } from 'node:crypto';
import { Unauthorized } from '@switchyard/errors';
import { headerValue, type Authenticate } from './authenticator.ts';
import { OWNER_PATTERN } from './owner.ts';

export interface TrustedHeaderOptions {
  /** The header carrying the user, e.g. `x-forwarded-user`. */
  header: string;
  /** The header carrying the shared secret; required together with `secret`. */
  secretHeader?: string;
  /** The secret the proxy sends (16+ characters). Without it, anyone who reaches the gateway can name any user. */
  secret?: string;
}

const MIN_SECRET_LENGTH = 16;

export function trustedHeaderAuthenticator(opts: TrustedHeaderOptions): Authenticate {
  if ((opts.secret === undefined) !== (opts.secretHeader === undefined)) {
    throw new Error('trusted header: secret and secretHeader go together');
  }
  if (opts.secret !== undefined && opts.secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`trusted header: secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const expected = opts.secret === undefined ? undefined : digest(opts.secret);
  return async (req) => {
    const user = headerValue(req, opts.header)?.trim();
    if (!user) return null;
    if (expected && opts.secretHeader !== undefined) {
      const given = headerValue(req, opts.secretHeader);
      // Digests have one length, so the comparison's time says nothing about the secret or its length.
      if (given === undefined || !timingSafeEqual(digest(given), expected)) throw new Unauthorized('proxy secret missing or wrong');
    }
    if (!OWNER_PATTERN.test(user)) throw new Unauthorized(`${opts.header.toLowerCase()} is not a valid user id`);
    return { owner: user, claims: {} };
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
