// Short-lived tokens that let the ops page open its WebSocket: browsers do not reliably send Basic
// credentials on an upgrade, so the page (authenticated by Basic) fetches a signed token and presents it.
//
// The HS256 key is derived from the configured ops credentials rather than drawn per process: every
// gateway has the same credentials, so a token issued by one verifies on all (a load balancer may
// send the upgrade elsewhere), no extra secret has to be configured, and rotating the credentials
// invalidates every outstanding token.
import { hkdfSync } from 'node:crypto';
import type { OpsCredentials, OpsRole } from '@switchyard/queue-dashboard';
import { jwtVerify, SignJWT } from 'jose';

const AUDIENCE = 'switchyard-ops-live';
const ISSUER = 'switchyard-gateway';

export interface LiveTokenOptions {
  /** Lifetime of a token; the page fetches a fresh one for every (re)connect. Default 60 s. */
  ttlSeconds?: number;
}

export class LiveTokens {
  private readonly key: Uint8Array;
  private readonly ttlSeconds: number;

  constructor(creds: OpsCredentials, opts: LiveTokenOptions = {}) {
    if (!creds.viewerToken && !creds.operatorToken) throw new Error('live tokens need OPS_VIEWER_TOKEN or OPS_OPERATOR_TOKEN');
    const material = `${creds.viewerToken ?? ''}\u0000${creds.operatorToken ?? ''}`;
    this.key = new Uint8Array(hkdfSync('sha256', material, 'switchyard', 'ops live token v1', 32));
    this.ttlSeconds = opts.ttlSeconds ?? 60;
  }

  issue(role: OpsRole): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(role)
      .setAudience(AUDIENCE)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The role a token grants, or null when it is missing, forged, expired or for something else. */
  async verify(token: string | null | undefined): Promise<OpsRole | null> {
    if (!token) return null;
    try {
      // A few seconds of tolerance: the issuing gateway's clock may run ahead of this one's.
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        issuer: ISSUER,
        clockTolerance: 5,
      });
      return payload.sub === 'viewer' || payload.sub === 'operator' ? payload.sub : null;
    } catch {
      return null;
    }
  }

  get lifetimeSeconds(): number {
    return this.ttlSeconds;
  }
}
