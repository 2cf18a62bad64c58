// The JWKS key source over real HTTP: keys are cached, an unknown kid refetches at most once per
// cooldown, rotation is picked up, and an outage keeps cached keys working while unknown ones get 503.

import { ServiceUnavailable, Unauthorized, httpErrorOf } from '@switchyard/errors';
import { startJwksTestServer, type JwksFailureMode, type JwksTestServer } from '@switchyard/jwks-test-server';
import { afterEach, describe, expect, it } from 'vitest';
import { jwtAuthenticator, type Authenticate, type JwtAuthenticatorOptions } from '../src/index.ts';
import { bearer, rejection, sleep } from './requests.ts';

// Long enough that a loaded machine still does the next step inside one cooldown.
const COOLDOWN_MS = 1000;

const servers: JwksTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function provider(): Promise<JwksTestServer> {
  const server = await startJwksTestServer({ algorithms: ['ES256'] });
  servers.push(server);
  return server;
}

function authenticator(idp: JwksTestServer, overrides: Partial<JwtAuthenticatorOptions> = {}): Authenticate {
  return jwtAuthenticator({ jwksUrl: idp.jwksUrl, issuer: idp.issuer, jwksCooldownMs: COOLDOWN_MS, jwksTimeoutMs: 300, ...overrides });
}

const token = (idp: JwksTestServer, opts: Parameters<JwksTestServer['sign']>[1] = {}): Promise<string> =>
  idp.sign({ sub: 'alice' }, { alg: 'ES256', ...opts });

describe('caching and rotation', () => {
  it('fetches the key set once and verifies later tokens from the cache', async () => {
    const idp = await provider();
    const auth = authenticator(idp);
    await Promise.all(Array.from({ length: 10 }, async () => expect((await auth(bearer(await token(idp))))?.owner).toBe('alice')));
    expect((await auth(bearer(await token(idp))))?.owner).toBe('alice');
    expect(idp.fetches).toBe(1);
  });

  it('picks up a rotated key with one fetch, once the cooldown since the last fetch has passed', async () => {
    const idp = await provider();
    const auth = authenticator(idp);
    await auth(bearer(await token(idp)));
    const { kid } = await idp.rotate('ES256');

    // Within the cooldown the new kid is unknown and no refetch happens.
    const early = await rejection(auth(bearer(await token(idp, { kid }))));
    expect(early).toBeInstanceOf(Unauthorized);
    expect(early.message).toBe('unknown signing key');
    expect(idp.fetches).toBe(1);

    await sleep(COOLDOWN_MS + 50);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => token(idp, { kid })));
    const identities = await Promise.all(tokens.map((t) => auth(bearer(t))));
    expect(identities.map((i) => i?.owner)).toEqual(Array(10).fill('alice'));
    expect(idp.fetches).toBe(2);
  });

  it('lets a burst of unknown kids refetch no more than once per cooldown', async () => {
    const idp = await provider();
    const auth = authenticator(idp);
    await auth(bearer(await token(idp)));
    const ghosts = await Promise.all(Array.from({ length: 20 }, (_, i) => token(idp, { header: { kid: `ghost-${i}` } })));
    const burst = async (): Promise<void> => {
      const results = await Promise.allSettled(ghosts.map((t) => auth(bearer(t))));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        if (r.status === 'rejected') expect((r.reason as Error).message).toBe('unknown signing key');
      }
    };

    await burst();
    expect(idp.fetches).toBe(1);
    await sleep(COOLDOWN_MS + 50);
    await burst();
    await burst();
    expect(idp.fetches).toBe(2);
    await sleep(COOLDOWN_MS + 50);
    await burst();
    expect(idp.fetches).toBe(3);
  });

  it('stops accepting a dropped key once the set is refetched', async () => {
    const idp = await provider();
    const auth = authenticator(idp, { jwksCacheMaxAgeMs: 200 });
    const [oldKid] = idp.kids();
    const old = await token(idp);
    await auth(bearer(old));
    await idp.rotate('ES256');
    await sleep(250);
    const err = await rejection(auth(bearer(old)));
    expect(err.message).toBe('unknown signing key');
    expect(idp.kids()).not.toContain(oldKid);
  });
});

describe('provider outage', () => {
  it.each<JwksFailureMode>(['unavailable', 'hang', 'close'])(
    'keeps verifying with a cached key while the JWKS fails (%s)',
    async (mode) => {
      const idp = await provider();
      const auth = authenticator(idp);
      await auth(bearer(await token(idp)));
      idp.fail(mode);
      expect((await auth(bearer(await token(idp))))?.owner).toBe('alice');
      // jose's remote set serves its cache without asking while the set is fresh.
      expect(idp.fetches).toBe(1);
    },
  );

  it('keeps verifying with the last good set after its maximum age, without refetching on every request', async () => {
    const idp = await provider();
    const auth = authenticator(idp, { jwksCacheMaxAgeMs: 100 });
    await auth(bearer(await token(idp)));
    idp.fail('hang');
    await sleep(150);
    expect((await auth(bearer(await token(idp))))?.owner).toBe('alice');
    expect(idp.fetches).toBe(2);
    // Within the failure backoff no fetch is tried, so no request waits for the timeout.
    for (let i = 0; i < 5; i++) expect((await auth(bearer(await token(idp))))?.owner).toBe('alice');
    expect(idp.fetches).toBe(2);
  });

  it('stops using the last good set once it is older than jwksMaxStaleMs', async () => {
    const idp = await provider();
    const auth = authenticator(idp, { jwksCacheMaxAgeMs: 50, jwksMaxStaleMs: 100 });
    await auth(bearer(await token(idp)));
    idp.fail('unavailable');
    await sleep(150);
    expect(await rejection(auth(bearer(await token(idp))))).toBeInstanceOf(ServiceUnavailable);
  });

  it.each<JwksFailureMode>(['unavailable', 'hang', 'close'])(
    'answers 503 (not 401) when the JWKS fails and no key is cached (%s)',
    async (mode) => {
      const idp = await provider();
      idp.fail(mode);
      const err = await rejection(authenticator(idp)(bearer(await token(idp))));
      expect(err).toBeInstanceOf(ServiceUnavailable);
      expect(err).not.toBeInstanceOf(Unauthorized);
      const http = httpErrorOf(err);
      expect(http.status).toBe(503);
      expect(http.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(http.body.error.message).not.toContain('eyJ');
    },
  );

  it('answers 503 for a new kid during an outage, and accepts it once the JWKS is back', async () => {
    const idp = await provider();
    const auth = authenticator(idp);
    await auth(bearer(await token(idp)));
    const kid = await idp.addKey('ES256');
    idp.fail('unavailable');
    await sleep(COOLDOWN_MS + 50);
    expect(await rejection(auth(bearer(await token(idp, { kid }))))).toBeInstanceOf(ServiceUnavailable);
    // The old key still works during the outage.
    expect((await auth(bearer(await token(idp, { kid: idp.kids()[0] ?? '' }))))?.owner).toBe('alice');

    idp.recover();
    await sleep(COOLDOWN_MS + 50);
    expect((await auth(bearer(await token(idp, { kid }))))?.owner).toBe('alice');
  });
});
