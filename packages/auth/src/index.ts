// Public entry of @switchyard/auth: the identity seam (`Authenticate`, `firstOf`) and its methods —
// bearer JWTs (HS256 secret, JWKS), a trusted proxy's header, development identity — and the 401 challenge.

export { firstOf, headerValue, type AuthRequest, type Authenticate, type Identity } from './authenticator.ts';
export { DEV_USER, devIdentityAuthenticator, USER_HEADER, type DevIdentityOptions } from './dev-identity.ts';
export { InvalidToken } from './invalid-token.ts';
export { JWKS_ALGORITHMS, jwtAuthenticator, type JwksAlgorithm, type JwtAuthenticatorOptions } from './jwt.ts';
export { isValidOwner, OWNER_PATTERN } from './owner.ts';
export { trustedHeaderAuthenticator, type TrustedHeaderOptions } from './trusted-header.ts';
export { DEFAULT_REALM, wwwAuthenticate } from './www-authenticate.ts';
