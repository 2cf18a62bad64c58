// Production identity end to end: a gateway with NODE_ENV=production serves users authenticated by
// bearer JWTs from a JWKS (the project's JWKS test server) and, separately, by the app's
// `authenticate` hook; everything else is a 401 with WWW-Authenticate on every route, claims and
// tokens never reach the logs, and a production gateway without any method refuses to start.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJwksTestServer, type JwksTestServer } from '@switchyard/jwks-test-server';
import { spawnService } from '@switchyard/system-launcher';
import { postChatKit } from '../kit/sse-client.ts';
import { startSystem, type System } from '../kit/system.ts';

type Json = Record<string, unknown>;
const create = (text: string) => ({
  type: 'threads.create',
  params: { input: { content: [{ type: 'input_text', text }], attachments: [], inference_options: {} } },
});
const list = { type: 'threads.list', params: {} };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/chatkit`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json().catch(() => null)) as Json | null };
}

describe('bearer JWTs from a JWKS, NODE_ENV=production', () => {
  let jwks: JwksTestServer;
  let sys: System;
  let url: string;
  const audience = 'switchyard-tests';
  beforeAll(async () => {
    jwks = await startJwksTestServer();
    sys = await startSystem({
      transport: 'http',
      env: {
        NODE_ENV: 'production',
        DEV_IDENTITY: 'false',
        AUTH_JWKS_URL: jwks.jwksUrl,
        AUTH_JWT_ISSUER: jwks.issuer,
        AUTH_JWT_AUDIENCE: audience,
      },
    });
    url = sys.gateways[0]!.url;
  });
  afterAll(async () => {
    await sys?.stop();
    await jwks?.close();
  });
  const bearer = async (sub: string, claims: Json = {}) => ({
    Authorization: `Bearer ${await jwks.sign({ sub, aud: audience, ...claims })}`,
  });

  it('a request without credentials is a JSON 401 with a Bearer challenge, on every route', async () => {
    const res = await post(url, list);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="switchyard"/);
    expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
    // The development header means nothing in production.
    expect((await post(url, list, { 'X-Switchyard-User': 'alice' })).status).toBe(401);
    for (const [method, path] of [
      ['GET', '/chatkit/runs/run_0000000000000000/events'],
      ['POST', '/chatkit/runs/run_0000000000000000/cancel'],
      ['POST', '/chatkit/uploads'],
    ] as const) {
      const r = await fetch(`${url}${path}`, { method });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer/);
    }
  });

  it('a bad token (expired, wrong audience, tampered) is a 401 with error="invalid_token"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await jwks.sign({ sub: 'alice', aud: audience, exp: now - 3600, iat: now - 7200 });
    const wrongAud = await jwks.sign({ sub: 'alice', aud: 'someone-else' });
    const good = await jwks.sign({ sub: 'alice', aud: audience });
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'mallory', aud: audience, iss: jwks.issuer, exp: now + 300 })).toString('base64url')}.${s}`;
    void p;
    for (const token of [expired, wrongAud, tampered]) {
      const res = await post(url, list, { Authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
  });

  it('a valid token streams a chat as its subject, and another subject cannot see it', async () => {
    const alice = await bearer('alice');
    const s = await postChatKit(url, create('hello from alice'), alice);
    expect(s.status).toBe(200);
    await s.done;
    const created = s.events.map((e) => e.data as Json).find((e) => e.type === 'thread.created');
    const threadId = (created!.thread as Json).id as string;
    const mine = await post(url, list, alice);
    expect(((mine.json!.data as Json[]) ?? []).map((t) => t.id)).toContain(threadId);
    const bob = await bearer('bob');
    expect((await post(url, { type: 'threads.get_by_id', params: { thread_id: threadId } }, bob)).status).toBe(404);
    expect(((await post(url, list, bob)).json!.data as Json[]).length).toBe(0);
  });

  it('keeps verifying with cached keys while the JWKS is down', async () => {
    const alice = await bearer('alice');
    expect((await post(url, list, alice)).status).toBe(200);
    jwks.fail('unavailable');
    try {
      expect((await post(url, list, await bearer('alice'))).status).toBe(200);
    } finally {
      jwks.recover();
    }
  });

  it('never writes a token or its claims to the logs', async () => {
    const token = await jwks.sign({ sub: 'carol', aud: audience, email: 'carol-secret@example.com' });
    expect((await post(url, list, { Authorization: `Bearer ${token}` })).status).toBe(200);
    const lines = sys.gateways[0]!.process.output.join('\n');
    expect(lines).not.toContain(token.split('.')[2]!);
    expect(lines).not.toContain('carol-secret@example.com');
  });
});

describe("the app's authenticate hook, NODE_ENV=production", () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({
      transport: 'http',
      env: {
        NODE_ENV: 'production',
        DEV_IDENTITY: 'false',
        SWITCHYARD_APP: fileURLToPath(new URL('../fixtures/api-key-app.ts', import.meta.url)),
      },
    });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('serves the user the hook names, and refuses unknown keys and missing credentials', async () => {
    const url = sys.gateways[0]!.url;
    const s = await postChatKit(url, create('[C1] hi'), { 'X-Api-Key': 'key-alice-0123456789' });
    expect(s.status).toBe(200);
    await s.done;
    expect(((await post(url, list, { 'X-Api-Key': 'key-alice-0123456789' })).json!.data as Json[]).length).toBe(1);
    expect(((await post(url, list, { 'X-Api-Key': 'key-bob-0123456789' })).json!.data as Json[]).length).toBe(0);
    expect((await post(url, list, { 'X-Api-Key': 'key-nobody' })).status).toBe(401);
    expect((await post(url, list)).status).toBe(401);
  });
});

it('a production gateway without any authentication method refuses to start and names the settings', async () => {
  const gateway = spawnService('gateway', {
    env: {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://127.0.0.1:9',
      MONGODB_URL: 'mongodb://127.0.0.1:9',
      FILE_URL_SECRET: 'a-file-url-secret-for-tests',
      LOG_LEVEL: 'info',
    },
    label: 'gateway-no-auth',
  });
  const code = await gateway.exited;
  expect(code).not.toBe(0);
  expect(gateway.output.join('\n')).toMatch(/no authentication method: set AUTH_JWKS_URL or AUTH_JWT_SECRET/);
});
