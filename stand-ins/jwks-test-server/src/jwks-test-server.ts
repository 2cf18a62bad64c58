// A JWKS endpoint over node:http that stands in for an identity provider in tests: it generates keys,
// serves them at `/.well-known/jwks.json`, signs tokens, rotates keys and can be made to fail.
//
// Hand-written because no package offers a JWKS test server that runs here (the OIDC mock servers
// are containers or JVM programs); the keys and tokens come from jose, as a real provider's would
// come from its own JOSE library. Every request to the key set is counted, failed ones included,
// so tests can assert how often a verifier refetches.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { KeyRing, type SigningAlgorithm } from './key-ring.ts';

export const JWKS_PATH = '/.well-known/jwks.json';
const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** `unavailable`: 503; `hang`: never answer; `close`: drop the connection without an answer. */
export type JwksFailureMode = 'unavailable' | 'hang' | 'close';

export interface JwksTestServerOptions {
  port?: number;
  /** One published key is generated per algorithm; default RS256, ES256 and EdDSA. */
  algorithms?: SigningAlgorithm[];
  /** The `iss` that `sign` puts into tokens; default the server's URL. */
  issuer?: string;
}

export interface SignOptions {
  /** Sign with this key (published or not); default the newest published key of `alg`. */
  kid?: string;
  /** Default the server's first algorithm. */
  alg?: SigningAlgorithm;
  /** Extra protected-header members, applied last (`{ kid: 'ghost' }` names a key that does not exist). */
  header?: Record<string, unknown>;
}

export interface JwksTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `<url>/.well-known/jwks.json` */
  jwksUrl: string;
  issuer: string;
  /** Requests for the key set so far, answered or not. */
  readonly fetches: number;
  /**
   * A compact JWS over `claims`, with defaults `iss` (the issuer), `iat` (now) and `exp` (now + 300 s);
   * a claim given as `undefined` is left out.
   */
  sign(claims: Record<string, unknown>, opts?: SignOptions): Promise<string>;
  /** A new key; published (served) unless `publish: false`. Returns its kid. */
  addKey(alg: SigningAlgorithm, opts?: { kid?: string; publish?: boolean }): Promise<string>;
  /** Stops serving a key (tokens it signed can no longer be verified by a fresh fetch). */
  dropKey(kid: string): void;
  /** Publishes a key added with `publish: false`. */
  publishKey(kid: string): void;
  /** A provider's rotation: a new published key of `alg`, the older ones of `alg` dropped. */
  rotate(alg?: SigningAlgorithm): Promise<{ kid: string; dropped: string[] }>;
  /** The kids currently served. */
  kids(): string[];
  /** A key's public half, as served (JWK) and as PEM (SPKI). */
  publicKey(kid: string): Promise<{ jwk: JWK; pem: string }>;
  /** From now on every key-set request fails this way, until `recover()`. */
  fail(mode: JwksFailureMode): void;
  recover(): void;
  close(): Promise<void>;
}

export async function startJwksTestServer(opts: JwksTestServerOptions = {}): Promise<JwksTestServer> {
  const ring = new KeyRing();
  const algorithms = opts.algorithms ?? ['RS256', 'ES256', 'EdDSA'];
  for (const alg of algorithms) await ring.create(alg);
  let failure: JwksFailureMode | null = null;
  let fetches = 0;
  let url = '';
  let issuer = '';

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      send(res, 500, { error: err instanceof Error ? err.message : String(err) });
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    if (path === DISCOVERY_PATH) return send(res, 200, { issuer, jwks_uri: `${url}${JWKS_PATH}` });
    if (path !== JWKS_PATH) return send(res, 404, { error: 'not found' });
    fetches++;
    if (failure === 'unavailable') return send(res, 503, { error: 'unavailable' });
    // A hung request is left open; close() ends it with the server's other connections.
    if (failure === 'hang') return;
    if (failure === 'close') return void req.socket.destroy();
    send(res, 200, ring.jwks(), 'application/jwk-set+json');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  issuer = opts.issuer ?? url;

  return {
    url,
    jwksUrl: `${url}${JWKS_PATH}`,
    issuer,
    get fetches() {
      return fetches;
    },
    async sign(claims, signOpts = {}) {
      const key = signOpts.kid !== undefined ? ring.get(signOpts.kid) : ring.latest(signOpts.alg ?? algorithms[0] ?? 'RS256');
      const now = Math.floor(Date.now() / 1000);
      const payload = Object.fromEntries(
        Object.entries({ iss: issuer, iat: now, exp: now + 300, ...claims }).filter(([, v]) => v !== undefined),
      ) as JWTPayload;
      return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...signOpts.header }).sign(key.privateKey);
    },
    async addKey(alg, keyOpts) {
      return (await ring.create(alg, keyOpts)).kid;
    },
    dropKey: (kid) => ring.setPublished(kid, false),
    publishKey: (kid) => ring.setPublished(kid, true),
    async rotate(alg = 'RS256') {
      const older = ring.published().filter((k) => k.alg === alg);
      const { kid } = await ring.create(alg);
      for (const k of older) ring.setPublished(k.kid, false);
      return { kid, dropped: older.map((k) => k.kid) };
    },
    kids: () => ring.published().map((k) => k.kid),
    async publicKey(kid) {
      return { jwk: { ...ring.get(kid).publicJwk }, pem: await ring.publicKeyPem(kid) };
    },
    fail(mode) {
      failure = mode;
    },
    recover() {
      failure = null;
    },
    close: () => closeServer(server),
  };
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': contentType, 'content-length': bytes.length, 'cache-control': 'no-store' });
  res.end(bytes);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Hung requests and keep-alive sockets would otherwise hold close() open.
    server.closeAllConnections();
  });
}
