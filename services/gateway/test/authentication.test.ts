// The gateway's authenticate step as the settings and the app make it: which methods run, in which
// order, and that a production gateway with none refuses to start, naming the settings it lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksTestServer, type JwksTestServer } from '@switchyard/jwks-test-server';
import { loadConfig } from '@switchyard/config';
import { gatewayAuthentication } from '../src/authentication.ts';

const base = { REDIS_URL: 'redis://127.0.0.1:1', MONGODB_URL: 'mongodb://127.0.0.1:1', FILE_URL_SECRET: 'a-file-url-secret-for-tests' };
const request = (headers: Record<string, string> = {}) => ({ method: 'POST', url: '/chatkit', headers });
const plainApp = { name: 'plain' };

let jwks: JwksTestServer;
beforeAll(async () => {
  jwks = await startJwksTestServer();
});
afterAll(async () => {
  await jwks?.close();
});

describe('gatewayAuthentication', () => {
  it('refuses a production gateway without any method, naming the settings', () => {
    expect(() => gatewayAuthentication(loadConfig({ ...base }), plainApp)).toThrow(
      /AUTH_JWKS_URL or AUTH_JWT_SECRET.*AUTH_TRUSTED_HEADER.*authenticate hook/,
    );
    expect(() => gatewayAuthentication(loadConfig({ ...base, NODE_ENV: 'production' }), plainApp)).toThrow(/no authentication method/);
  });

  it('turns development identity on only in explicit development mode, never in production', async () => {
    const dev = gatewayAuthentication(loadConfig({ ...base, NODE_ENV: 'development' }), plainApp);
    expect(await dev.authenticate(request({ 'x-switchyard-user': 'alice' }))).toMatchObject({ owner: 'alice' });
    expect(() => gatewayAuthentication(loadConfig({ ...base, NODE_ENV: 'test' }), plainApp)).toThrow(/no authentication method/);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', DEV_IDENTITY: 'true' })).toThrow(/DEV_IDENTITY cannot be on/);
  });

  it('verifies bearer JWTs from a JWKS and takes the owner from the configured claims', async () => {
    const cfg = loadConfig({ ...base, AUTH_JWKS_URL: jwks.jwksUrl, AUTH_JWT_ISSUER: jwks.issuer, AUTH_TENANT_CLAIM: 'org' });
    const auth = gatewayAuthentication(cfg, plainApp);
    const token = await jwks.sign({ sub: 'alice', org: 'acme' });
    expect(await auth.authenticate(request({ authorization: `Bearer ${token}` }))).toMatchObject({ owner: 'acme:alice' });
    // No credentials at all: no method recognises the request (the adapter answers 401).
    expect(await auth.authenticate(request())).toBeNull();
    await expect(auth.authenticate(request({ authorization: `Bearer ${token}x` }))).rejects.toMatchObject({ status: 401 });
    expect(auth.methods.join(' ')).toMatch(/jwt \(JWKS 127\.0\.0\.1/);
  });

  it("tries the app's hook first, then the built-in methods", async () => {
    const app = {
      name: 'keys',
      authenticate: async (req: { headers: Record<string, unknown> }) =>
        req.headers['x-api-key'] === 'k-123' ? { owner: 'svc', claims: {} } : null,
    };
    const auth = gatewayAuthentication(loadConfig({ ...base, AUTH_JWKS_URL: jwks.jwksUrl }), app);
    expect(await auth.authenticate(request({ 'x-api-key': 'k-123' }))).toMatchObject({ owner: 'svc' });
    const token = await jwks.sign({ sub: 'bob' });
    expect(await auth.authenticate(request({ authorization: `Bearer ${token}` }))).toMatchObject({ owner: 'bob' });
    // The hook alone is a method: production starts with it.
    expect(gatewayAuthentication(loadConfig({ ...base }), app).methods).toEqual(['app hook (keys)']);
  });

  it("refuses an owner from the app's hook that could not name a blob folder (a 500, the app's bug)", async () => {
    const app = { name: 'sloppy', authenticate: async () => ({ owner: '../etc', claims: {} }) };
    const auth = gatewayAuthentication(loadConfig({ ...base }), app);
    await expect(auth.authenticate(request())).rejects.toThrow(/not \/\^/);
  });

  it('refuses unknown JWKS algorithms in the settings', () => {
    expect(() =>
      gatewayAuthentication(loadConfig({ ...base, AUTH_JWKS_URL: jwks.jwksUrl, AUTH_JWT_ALGORITHMS: 'RS256,none' }), plainApp),
    ).toThrow(/AUTH_JWT_ALGORITHMS/);
  });
});
