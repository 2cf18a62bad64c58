// Public entry of @switchyard/jwks-test-server: an identity provider's JWKS endpoint for tests, with
// generated keys, token signing, rotation, failure modes and a fetch counter.

export { JWKS_PATH, startJwksTestServer } from './jwks-test-server.ts';
export type { JwksFailureMode, JwksTestServer, JwksTestServerOptions, SignOptions } from './jwks-test-server.ts';
export type { SigningAlgorithm } from './key-ring.ts';
