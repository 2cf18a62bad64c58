// Bearer JWT verification against the JWKS test server over HTTP and against a shared HS256 secret:
// what is accepted, what is refused and with which reason, and that refusals never echo the token.

import { Unauthorized, httpErrorOf } from '@switchyard/errors';
import { startJwksTestServer, type JwksTestServer } from '@switchyard/jwks-test-server';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidToken, jwtAuthenticator, wwwAuthenticate, type Authenticate, type JwtAuthenticatorOptions } from '../src/index.ts';
import { bearer, nowSeconds, rejection, request } from './requests.ts';

const AUDIENCE = 'switchyard-test';
const SECRET = 'a shared secret of at least thirty-two bytes';
const secretKey = new TextEncoder().encode(SECRET);

let idp: JwksTestServer;
let auth: Authenticate;

beforeAll(async () => {
  idp = await startJwksTestServer();
  auth = authenticator();
});
afterAll(() => idp.close());

function authenticator(overrides: Partial<JwtAuthenticatorOptions> = {}): Authenticate {
  return jwtAuthenticator({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: AUDIENCE, ...overrides });
}

function hs256(claims: Record<string, unknown>, key: Uint8Array = secretKey, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: idp.issuer, aud: AUDIENCE, exp: nowSeconds() + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256', ...header })
    .sign(key);
}

/** The refusal of `token` by `method`: an InvalidToken (401) whose message carries nothing from the token. */
async function refused(token: string, method: Authenticate = auth): Promise<string> {
  const err = await rejection(method(bearer(token)));
  expect(err).toBeInstanceOf(Unauthorized);
  expect(err).toBeInstanceOf(InvalidToken);
  expect(err.message).not.toContain(token.slice(0, 20));
  expect(err.message).not.toMatch(/alice|eyJ/);
  return err.message;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('valid tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts a %s token from the JWKS and takes the owner from sub', async (alg) => {
    const token = await idp.sign({ sub: 'alice', aud: AUDIENCE, scope: 'chat' }, { alg });
    const identity = await auth(bearer(token));
    expect(identity?.owner).toBe('alice');
    expect(identity?.claims).toMatchObject({ sub: 'alice', aud: AUDIENCE, scope: 'chat', iss: idp.issuer });
  });

  it('accepts an HS256 token signed with the shared secret', async () => {
    const method = jwtAuthenticator({ secret: SECRET, issuer: idp.issuer, audience: AUDIENCE });
    expect((await method(bearer(await hs256({ sub: 'alice' }))))?.owner).toBe('alice');
  });

  it('accepts both kinds when both key sources are configured', async () => {
    const method = authenticator({ secret: SECRET });
    expect((await method(bearer(await hs256({ sub: 'bob' }))))?.owner).toBe('bob');
    expect((await method(bearer(await idp.sign({ sub: 'carol', aud: AUDIENCE }, { alg: 'ES256' }))))?.owner).toBe('carol');
  });

  it('reads the header case-insensitively and the scheme in any case', async () => {
    const token = await idp.sign({ sub: 'alice', aud: AUDIENCE });
    expect((await auth(request({ Authorization: `bearer ${token}` })))?.owner).toBe('alice');
  });

  it('accepts any of several configured audiences and issuers', async () => {
    const method = authenticator({ audience: ['other', AUDIENCE], issuer: ['https://elsewhere.example', idp.issuer] });
    expect((await method(bearer(await idp.sign({ sub: 'alice', aud: AUDIENCE }))))?.owner).toBe('alice');
  });
});

describe('time', () => {
  it('refuses an expired token', async () => {
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE, exp: nowSeconds() - 60 }))).toBe('token expired');
  });

  it('refuses a token that is not yet valid', async () => {
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE, nbf: nowSeconds() + 60 }))).toBe('token not yet valid');
  });

  it('accepts exp and nbf within the clock tolerance (default 30 s)', async () => {
    const now = nowSeconds();
    expect((await auth(bearer(await idp.sign({ sub: 'alice', aud: AUDIENCE, exp: now - 10 }))))?.owner).toBe('alice');
    expect((await auth(bearer(await idp.sign({ sub: 'alice', aud: AUDIENCE, nbf: now + 10 }))))?.owner).toBe('alice');
  });

  it('honours a configured clock tolerance', async () => {
    const strict = authenticator({ clockToleranceSeconds: 0 });
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE, exp: nowSeconds() - 10 }), strict)).toBe('token expired');
  });

  it('refuses a token without exp: it would never expire', async () => {
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE, exp: undefined }))).toBe('token lacks the exp claim');
  });
});

describe('issuer and audience', () => {
  it('refuses a wrong issuer', async () => {
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE, iss: 'https://evil.example' }))).toBe('wrong issuer');
  });

  it('refuses a wrong audience', async () => {
    expect(await refused(await idp.sign({ sub: 'alice', aud: 'another-app' }))).toBe('wrong audience');
  });

  it('refuses a missing audience when one is configured', async () => {
    expect(await refused(await idp.sign({ sub: 'alice' }))).toBe('wrong audience');
  });

  it('checks neither when none is configured', async () => {
    const lax = jwtAuthenticator({ jwksUrl: idp.jwksUrl });
    expect((await lax(bearer(await idp.sign({ sub: 'alice', iss: 'anyone' }))))?.owner).toBe('alice');
  });
});

describe('integrity and algorithms', () => {
  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await idp.sign({ sub: 'alice', aud: AUDIENCE })).split('.');
    const forged = `${header}.${b64url({ sub: 'admin', aud: AUDIENCE, iss: idp.issuer, exp: nowSeconds() + 300 })}.${signature}`;
    expect(await refused(forged)).toBe('bad signature');
  });

  it('refuses a tampered signature', async () => {
    const [header, payload, signature = ''] = (await idp.sign({ sub: 'alice', aud: AUDIENCE })).split('.');
    const middle = Math.floor(signature.length / 2);
    const flipped = signature.slice(0, middle) + (signature[middle] === 'A' ? 'B' : 'A') + signature.slice(middle + 1);
    expect(await refused(`${header}.${payload}.${flipped}`)).toBe('bad signature');
  });

  it('refuses alg none, whatever key sources are configured', async () => {
    const token = new UnsecuredJWT({ sub: 'alice', aud: AUDIENCE }).setIssuer(idp.issuer).setExpirationTime('5m').encode();
    expect(await refused(token)).toBe('token algorithm not accepted');
    expect(await refused(token, authenticator({ secret: SECRET }))).toBe('token algorithm not accepted');
  });

  it('refuses HS256 signed with the RSA public key (PEM or JWK) as the secret: never checked against the RSA key', async () => {
    const [kid] = idp.kids();
    const { pem, jwk } = await idp.publicKey(kid ?? '');
    const forgeries = [
      await hs256({ sub: 'alice' }, new TextEncoder().encode(pem), { kid }),
      await hs256({ sub: 'alice' }, new TextEncoder().encode(JSON.stringify(jwk)), { kid }),
    ];
    for (const token of forgeries) {
      // JWKS only: HS256 is not an algorithm of that source.
      expect(await refused(token)).toBe('token algorithm not accepted');
      // With a secret too: HS256 goes to the secret, whose signature does not match.
      expect(await refused(token, authenticator({ secret: SECRET }))).toBe('bad signature');
    }
  });

  it('refuses an RS256 token when only a secret is configured', async () => {
    const method = jwtAuthenticator({ secret: SECRET, audience: AUDIENCE });
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE }), method)).toBe('token algorithm not accepted');
  });

  it('refuses an HS256 token signed with another secret', async () => {
    const method = jwtAuthenticator({ secret: SECRET });
    const other = new TextEncoder().encode('another secret that is also long enough!!');
    expect(await refused(await hs256({ sub: 'alice' }, other), method)).toBe('bad signature');
  });

  it('refuses a JWKS algorithm left out of jwksAlgorithms', async () => {
    const rsaOnly = authenticator({ jwksAlgorithms: ['RS256'] });
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE }, { alg: 'ES256' }), rsaOnly)).toBe('token algorithm not accepted');
  });

  it('refuses a token whose kid the provider never published (after the allowed refetch)', async () => {
    const token = await idp.sign({ sub: 'alice', aud: AUDIENCE }, { header: { kid: 'never-published' } });
    expect(await refused(token, authenticator({ jwksCooldownMs: 0 }))).toBe('unknown signing key');
  });

  it('refuses garbage after Bearer', async () => {
    expect(await refused('not-a-jwt')).toBe('malformed token');
    const err = await rejection(auth(request({ authorization: 'Bearer' })));
    expect(err).toBeInstanceOf(InvalidToken);
    expect(err.message).toBe('malformed bearer credentials');
  });
});

describe('owner', () => {
  it('takes the owner from a configured claim', async () => {
    const method = authenticator({ ownerClaim: 'email' });
    const identity = await method(bearer(await idp.sign({ sub: 'u-1', email: 'alice@example.com', aud: AUDIENCE })));
    expect(identity?.owner).toBe('alice@example.com');
  });

  it('prefixes the owner with a tenant claim', async () => {
    const method = authenticator({ tenantClaim: 'tid' });
    const identity = await method(bearer(await idp.sign({ sub: 'alice', tid: 'acme', aud: AUDIENCE })));
    expect(identity?.owner).toBe('acme:alice');
  });

  it('accepts an integer user id', async () => {
    const method = authenticator({ ownerClaim: 'user_id' });
    expect((await method(bearer(await idp.sign({ sub: 'x', user_id: 42, aud: AUDIENCE }))))?.owner).toBe('42');
  });

  it('refuses a token without the owner or tenant claim', async () => {
    expect(await refused(await idp.sign({ aud: AUDIENCE }))).toBe('token lacks the sub claim');
    expect(await refused(await idp.sign({ sub: 'alice', aud: AUDIENCE }), authenticator({ tenantClaim: 'tid' }))).toBe(
      'token lacks the tid claim',
    );
  });

  it.each(['../etc', 'a/b', '.hidden', '-dash', 'a..b', 'x'.repeat(129), 'sp ace'])(
    'refuses an owner that fails the owner pattern: %s',
    async (sub) => {
      expect(await refused(await idp.sign({ sub, aud: AUDIENCE }))).toBe('sub is not a valid user id');
    },
  );

  it('refuses a tenant-prefixed owner that fails the pattern', async () => {
    const method = authenticator({ tenantClaim: 'tid' });
    expect(await refused(await idp.sign({ sub: 'alice', tid: '../acme', aud: AUDIENCE }), method)).toBe('owner is not a valid user id');
  });
});

describe('no credentials', () => {
  it('answers null without an Authorization header', async () => {
    expect(await auth(request())).toBeNull();
  });

  it('answers null for another scheme, so another method may take it', async () => {
    expect(await auth(request({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeNull();
  });
});

describe('configuration', () => {
  it('refuses an HS256 secret shorter than 32 bytes', () => {
    expect(() => jwtAuthenticator({ secret: 'too short' })).toThrow(/32 bytes/);
  });

  it('refuses a plain-http JWKS URL off loopback', () => {
    expect(() => jwtAuthenticator({ jwksUrl: 'http://idp.example/jwks.json' })).toThrow(/https/);
    expect(() => jwtAuthenticator({ jwksUrl: 'https://idp.example/jwks.json' })).not.toThrow();
  });

  it('refuses symmetric or unknown JWKS algorithms and a configuration without keys', () => {
    expect(() => jwtAuthenticator({ jwksUrl: idp.jwksUrl, jwksAlgorithms: ['HS256' as 'RS256'] })).toThrow(/JWKS algorithms/);
    expect(() => jwtAuthenticator({})).toThrow(/secret, a JWKS URL/);
  });
});

describe('the 401 challenge', () => {
  it('names the realm, and invalid_token when a token was refused', async () => {
    expect(wwwAuthenticate()).toBe('Bearer realm="switchyard"');
    expect(wwwAuthenticate(new Unauthorized('authentication required'))).toBe('Bearer realm="switchyard"');
    const err = await rejection(auth(bearer(await idp.sign({ sub: 'alice', aud: AUDIENCE, exp: nowSeconds() - 60 }))));
    expect(wwwAuthenticate(err)).toBe('Bearer realm="switchyard", error="invalid_token", error_description="token expired"');
    expect(httpErrorOf(err)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'token expired' } } });
  });

  it('quotes a configured realm safely', () => {
    expect(wwwAuthenticate(undefined, 'my "realm"\n')).toBe('Bearer realm="my \\"realm\\""');
  });
});
