// Public keys from an identity provider's JWKS URL: jose's remote key set (cached, refetched on an
// unknown `kid` at most once per cooldown, each fetch bounded by a timeout), plus what to do when the URL fails.
//
// jose keeps its last good set, but refetches on every call once the set is older than its maximum
// age, and a failed fetch then fails verification. Here a failed fetch falls back to the last good
// set (up to `maxStaleMs` old), and further fetches wait `failureBackoffMs`, so an outage neither
// refuses tokens whose key we hold nor makes every request wait for a timeout. A token whose key
// we do not hold cannot be checked during an outage: ServiceUnavailable, not Unauthorized.

import { ServiceUnavailable } from '@switchyard/errors';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwksCache,
  type CryptoKey,
  type ExportedJWKSCache,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWKSCacheInput,
} from 'jose';

export interface JwksKeysOptions {
  url: URL;
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
  maxStaleMs: number;
}

export type KeyLookup = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

/** Upper bound of the wait after a failed fetch; the cooldown applies when it is shorter. */
const MAX_FAILURE_BACKOFF_MS = 5_000;

export function jwksKeys(opts: JwksKeysOptions): KeyLookup {
  // jose writes every successful fetch here: the last good set and when it was fetched.
  const cache: JWKSCacheInput = {};
  const remote = createRemoteJWKSet(opts.url, {
    timeoutDuration: opts.timeoutMs,
    cooldownDuration: opts.cooldownMs,
    cacheMaxAge: opts.cacheMaxAgeMs,
    [jwksCache]: cache,
  });
  const failureBackoffMs = Math.min(opts.cooldownMs, MAX_FAILURE_BACKOFF_MS);
  let failedAt = -Infinity;
  let stale: { uat: number; lookup: ReturnType<typeof createLocalJWKSet> } | undefined;

  async function fromLastGoodSet(header: JWSHeaderParameters, token: FlattenedJWSInput, cause?: unknown): Promise<CryptoKey> {
    const last = 'uat' in cache ? (cache as ExportedJWKSCache) : undefined;
    if (last && Date.now() - last.uat <= opts.maxStaleMs) {
      if (stale?.uat !== last.uat) stale = { uat: last.uat, lookup: createLocalJWKSet(last.jwks) };
      try {
        return await stale.lookup(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      }
    }
    const unavailable = new ServiceUnavailable('identity provider keys are unavailable; retry shortly', { cause });
    unavailable.retryAfterSeconds = Math.max(1, Math.ceil(failureBackoffMs / 1000));
    throw unavailable;
  }

  return async (header, token) => {
    if (Date.now() < failedAt + failureBackoffMs) return fromLastGoodSet(header, token);
    try {
      return await remote(header, token);
    } catch (err) {
      if (!isFetchFailure(err)) throw err;
      failedAt = Date.now();
      return fromLastGoodSet(header, token, err);
    }
  };
}

/**
 * Whether the remote set failed to fetch (network error, timeout, non-200, unparsable or malformed
 * set) rather than refused the token. jose reports fetch problems as its generic error, a timeout or an
 * invalid set, and network errors as they come from fetch; key selection has its own error classes.
 */
function isFetchFailure(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC';
  return true;
}
