// The test server's signing keys: each has a kid, an algorithm, a private key that signs tokens and
// a public JWK that is served while the key is published. Unpublished keys sign tokens nobody can verify.

import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** The asymmetric algorithms an identity provider typically signs with. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

export class KeyRing {
  private readonly keys = new Map<string, SigningKey>();
  private created = 0;

  async create(alg: SigningAlgorithm, opts: { kid?: string; publish?: boolean } = {}): Promise<SigningKey> {
    const kid = opts.kid ?? `${alg.toLowerCase()}-${++this.created}`;
    if (this.keys.has(kid)) throw new Error(`jwks-test-server: key ${kid} exists`);
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const key: SigningKey = { kid, alg, privateKey, publicKey, publicJwk, published: opts.publish ?? true };
    this.keys.set(kid, key);
    return key;
  }

  get(kid: string): SigningKey {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`jwks-test-server: no key ${kid}`);
    return key;
  }

  /** The newest published key of `alg`: what an identity provider signs new tokens with. */
  latest(alg: SigningAlgorithm): SigningKey {
    const candidates = [...this.keys.values()].filter((k) => k.alg === alg && k.published);
    const key = candidates.at(-1);
    if (!key) throw new Error(`jwks-test-server: no published ${alg} key`);
    return key;
  }

  setPublished(kid: string, published: boolean): void {
    this.get(kid).published = published;
  }

  published(): SigningKey[] {
    return [...this.keys.values()].filter((k) => k.published);
  }

  /** The JWK Set document, public members only. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published().map((k) => ({ ...k.publicJwk })) };
  }

  async publicKeyPem(kid: string): Promise<string> {
    return exportSPKI(this.get(kid).publicKey);
  }
}
