// The JWKS test server as a verifier sees it over HTTP: the served set verifies the tokens it signs,
// rotation changes what is served, failure modes fail the way real outages do, and fetches are counted.

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { startJwksTestServer, type JwksTestServer } from '../src/index.ts';

const servers: JwksTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(...args: Parameters<typeof startJwksTestServer>): Promise<JwksTestServer> {
  const server = await startJwksTestServer(...args);
  servers.push(server);
  return server;
}

async function fetchSet(server: JwksTestServer): Promise<Parameters<typeof createLocalJWKSet>[0]> {
  const res = await fetch(server.jwksUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/jwk-set+json');
  return (await res.json()) as Parameters<typeof createLocalJWKSet>[0];
}

describe('jwks-test-server', () => {
  it('serves one public key per algorithm and signs tokens they verify', async () => {
    const server = await start();
    const jwks = await fetchSet(server);
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use])).toEqual([
      ['rs256-1', 'RS256', 'sig'],
      ['es256-2', 'ES256', 'sig'],
      ['eddsa-3', 'EdDSA', 'sig'],
    ]);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const token = await server.sign({ sub: 'alice' }, { alg });
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: server.issuer });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.sub).toBe('alice');
      expect(payload.exp).toBeGreaterThan(Date.now() / 1000);
    }
  });

  it('leaves out claims given as undefined and applies header overrides', async () => {
    const server = await start({ algorithms: ['ES256'], issuer: 'https://idp.test' });
    const token = await server.sign({ sub: 'alice', exp: undefined }, { header: { kid: 'ghost' } });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: 'ghost' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(payload).not.toHaveProperty('exp');
    expect(payload.iss).toBe('https://idp.test');
  });

  it('rotates: a new key is served and the older ones of that algorithm are dropped', async () => {
    const server = await start({ algorithms: ['RS256', 'ES256'] });
    const { kid, dropped } = await server.rotate('RS256');
    expect(dropped).toEqual(['rs256-1']);
    expect(server.kids()).toEqual(['es256-2', kid]);
    const hidden = await server.addKey('ES256', { publish: false });
    expect(server.kids()).not.toContain(hidden);
    server.publishKey(hidden);
    expect((await fetchSet(server)).keys.map((k) => k.kid)).toContain(hidden);
    server.dropKey(hidden);
    expect(server.kids()).not.toContain(hidden);
  });

  it('counts fetches, failed ones included, and fails as told', async () => {
    const server = await start({ algorithms: ['ES256'] });
    await fetchSet(server);
    server.fail('unavailable');
    expect((await fetch(server.jwksUrl)).status).toBe(503);
    server.fail('close');
    await expect(fetch(server.jwksUrl)).rejects.toThrow();
    server.fail('hang');
    await expect(fetch(server.jwksUrl, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    server.recover();
    await fetchSet(server);
    expect(server.fetches).toBe(5);
  });

  it('serves a discovery document naming the key set', async () => {
    const server = await start({ algorithms: ['ES256'] });
    const res = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(await res.json()).toEqual({ issuer: server.issuer, jwks_uri: server.jwksUrl });
    expect(server.fetches).toBe(0);
  });

  it('exports a public key as PEM and JWK', async () => {
    const server = await start({ algorithms: ['RS256'] });
    const { pem, jwk } = await server.publicKey('rs256-1');
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(jwk).toMatchObject({ kty: 'RSA', kid: 'rs256-1' });
  });
});
