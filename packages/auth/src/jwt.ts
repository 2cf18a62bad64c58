// Bearer JWTs: `Authorization: Bearer <jwt>` verified with jose against a shared HS256 secret and/or
// an identity provider's JWKS (RS256, ES256, EdDSA), then the owner taken from a claim.
//
// Each key source has its own algorithm list and a token goes to the source its `alg` names, so an
// HS256 token is only ever checked against the secret and never against a provider's public key
// (the HS/RS confusion), and `none` is never accepted. Refusals carry a short reason, never the token
// or its claims; nothing here logs.

import { SwitchyardError } from '@switchyard/errors';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { headerValue, type Authenticate, type Identity } from './authenticator.ts';
import { InvalidToken } from './invalid-token.ts';
import { jwksKeys, type KeyLookup } from './jwks-keys.ts';
import { OWNER_PATTERN } from './owner.ts';

export type JwksAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export const JWKS_ALGORITHMS: readonly JwksAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

export interface JwtAuthenticatorOptions {
  /** HS256 shared secret, at least 32 bytes (a string counts its UTF-8 bytes). */
  secret?: string | Uint8Array;
  /** The provider's JWK Set URL; https, or http on a loopback host. */
  jwksUrl?: string | URL;
  /** Algorithms accepted from the JWKS; default all of RS256, ES256, EdDSA. */
  jwksAlgorithms?: readonly JwksAlgorithm[];
  /** Required `iss` (one of). Optional, recommended. */
  issuer?: string | string[];
  /** Required `aud` (one of). Optional, recommended. */
  audience?: string | string[];
  /** Seconds of clock skew allowed for `exp` and `nbf`; default 30. */
  clockToleranceSeconds?: number;
  /** The claim naming the user; default `sub`. */
  ownerClaim?: string;
  /** A claim naming the tenant; when set the owner is `<tenant>:<user>`. */
  tenantClaim?: string;
  /** Abort a JWKS fetch after this long; default 5000 ms. */
  jwksTimeoutMs?: number;
  /** At most one refetch per this interval for unknown `kid`s; default 30000 ms. */
  jwksCooldownMs?: number;
  /** Refetch the set when it is older than this; default 600000 ms (10 min). */
  jwksCacheMaxAgeMs?: number;
  /** While fetches fail, keep using the last good set up to this old; default 86400000 ms (24 h). */
  jwksMaxStaleMs?: number;
}

const MIN_SECRET_BYTES = 32;
/** Far above any real token; bounds the work a garbage header can cause. */
const MAX_TOKEN_LENGTH = 16_384;
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

interface KeySource {
  algorithms: string[];
  key: Uint8Array | KeyLookup;
}

export function jwtAuthenticator(opts: JwtAuthenticatorOptions): Authenticate {
  const sources = keySources(opts);
  const ownerClaim = opts.ownerClaim ?? 'sub';
  const verifyOptions: JWTVerifyOptions = {
    clockTolerance: opts.clockToleranceSeconds ?? 30,
    // A token without an expiry would be valid forever.
    requiredClaims: ['exp'],
    ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
    ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
  };

  return async (req) => {
    const authorization = headerValue(req, 'authorization');
    if (authorization === undefined) return null;
    const token = bearerToken(authorization);
    if (token === null) return null;

    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidToken('malformed token');
    }
    const source = alg === undefined ? undefined : sources.find((s) => s.algorithms.includes(alg));
    if (!source) throw new InvalidToken('token algorithm not accepted');

    let payload: JWTPayload;
    try {
      // Overloads of jwtVerify differ by key type; both are given their own algorithm list.
      payload =
        source.key instanceof Uint8Array
          ? (await jwtVerify(token, source.key, { ...verifyOptions, algorithms: source.algorithms })).payload
          : (await jwtVerify(token, source.key, { ...verifyOptions, algorithms: source.algorithms })).payload;
    } catch (err) {
      throw refusal(err);
    }
    return identityOf(payload, ownerClaim, opts.tenantClaim);
  };
}

function keySources(opts: JwtAuthenticatorOptions): KeySource[] {
  const sources: KeySource[] = [];
  if (opts.secret !== undefined) {
    const secret = typeof opts.secret === 'string' ? new TextEncoder().encode(opts.secret) : opts.secret;
    if (secret.byteLength < MIN_SECRET_BYTES) throw new Error(`jwt: the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes`);
    sources.push({ algorithms: ['HS256'], key: secret });
  }
  if (opts.jwksUrl !== undefined) {
    const url = new URL(opts.jwksUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
      throw new Error('jwt: the JWKS URL must use https (http only on a loopback host)');
    }
    const algorithms = [...(opts.jwksAlgorithms ?? JWKS_ALGORITHMS)];
    if (algorithms.length === 0 || algorithms.some((a) => !JWKS_ALGORITHMS.includes(a))) {
      throw new Error(`jwt: JWKS algorithms must be some of ${JWKS_ALGORITHMS.join(', ')}`);
    }
    const key = jwksKeys({
      url,
      timeoutMs: opts.jwksTimeoutMs ?? 5_000,
      cooldownMs: opts.jwksCooldownMs ?? 30_000,
      cacheMaxAgeMs: opts.jwksCacheMaxAgeMs ?? 600_000,
      maxStaleMs: opts.jwksMaxStaleMs ?? 86_400_000,
    });
    sources.push({ algorithms, key });
  }
  if (sources.length === 0) throw new Error('jwt: configure a secret, a JWKS URL, or both');
  return sources;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The token of a Bearer credential; null for another scheme (another method may know it). */
function bearerToken(authorization: string): string | null {
  if (!/^bearer(?: |$)/i.test(authorization.trim())) return null;
  if (authorization.length > MAX_TOKEN_LENGTH) throw new InvalidToken('token too long');
  const match = BEARER.exec(authorization.trim());
  if (!match?.[1]) throw new InvalidToken('malformed bearer credentials');
  return match[1];
}

/** A failed verification as a short, claim-free reason; outages pass through as ServiceUnavailable. */
function refusal(err: unknown): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  if (err instanceof errors.JWTExpired) return new InvalidToken('token expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new InvalidToken('token not yet valid');
    if (err.claim === 'iss') return new InvalidToken('wrong issuer');
    if (err.claim === 'aud') return new InvalidToken('wrong audience');
    if (err.reason === 'missing') return new InvalidToken(`token lacks the ${err.claim} claim`);
    return new InvalidToken(`invalid ${err.claim} claim`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new InvalidToken('token algorithm not accepted');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new InvalidToken('bad signature');
  if (err instanceof errors.JWKSNoMatchingKey) return new InvalidToken('unknown signing key');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return new InvalidToken('malformed token');
  return new InvalidToken('invalid token');
}

function identityOf(payload: JWTPayload, ownerClaim: string, tenantClaim: string | undefined): Identity {
  const user = claimText(payload[ownerClaim]);
  if (user === undefined) throw new InvalidToken(`token lacks the ${ownerClaim} claim`);
  let owner = user;
  if (tenantClaim !== undefined) {
    const tenant = claimText(payload[tenantClaim]);
    if (tenant === undefined) throw new InvalidToken(`token lacks the ${tenantClaim} claim`);
    owner = `${tenant}:${user}`;
  }
  if (!OWNER_PATTERN.test(owner)) throw new InvalidToken(`${tenantClaim === undefined ? ownerClaim : 'owner'} is not a valid user id`);
  return { owner, claims: { ...payload } };
}

/** A claim usable in an owner: a non-empty string, or an integer id. */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
