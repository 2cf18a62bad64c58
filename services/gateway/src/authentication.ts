// The gateway's one `authenticate` step: the app's hook first, then the methods the settings turn on
// (bearer JWTs, a trusted proxy header), development identity last and only in development. A gateway
// with no method refuses to start, naming the settings that would give it one.
import {
  devIdentityAuthenticator,
  firstOf,
  isValidOwner,
  JWKS_ALGORITHMS,
  jwtAuthenticator,
  OWNER_PATTERN,
  trustedHeaderAuthenticator,
  type Authenticate,
  type JwksAlgorithm,
} from '@switchyard/auth';
import type { SwitchyardApp } from '@switchyard/app-api';
import { authenticationMethods, ConfigError, type Config } from '@switchyard/config';

function jwksAlgorithms(value: string): JwksAlgorithm[] {
  const algorithms = list(value) ?? [];
  const unknown = algorithms.filter((a) => !(JWKS_ALGORITHMS as readonly string[]).includes(a));
  if (unknown.length || algorithms.length === 0) {
    throw new ConfigError(`invalid configuration: AUTH_JWT_ALGORITHMS takes ${JWKS_ALGORITHMS.join(', ')} (got ${value})`);
  }
  return algorithms as JwksAlgorithm[];
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export interface GatewayAuthentication {
  authenticate: Authenticate;
  /** What is on, for the start-up log line (never a secret). */
  methods: string[];
}

export function gatewayAuthentication(cfg: Config, app: Pick<SwitchyardApp, 'name' | 'authenticate'>): GatewayAuthentication {
  const methods: Authenticate[] = [];
  const names: string[] = [];
  if (app.authenticate) {
    const hook = app.authenticate.bind(app);
    methods.push(async (req) => {
      const identity = await hook(req);
      // Owners name blob folders and key every store query: an app naming an unsafe one is a bug (500).
      if (identity && !isValidOwner(identity.owner))
        throw new Error(`app ${app.name}: authenticate returned an owner that is not ${OWNER_PATTERN}`);
      return identity;
    });
    names.push(`app hook (${app.name})`);
  }
  const configured = authenticationMethods(cfg);
  if (configured.includes('jwt')) {
    const issuer = list(cfg.AUTH_JWT_ISSUER);
    const audience = list(cfg.AUTH_JWT_AUDIENCE);
    methods.push(
      jwtAuthenticator({
        ...(cfg.AUTH_JWT_SECRET ? { secret: cfg.AUTH_JWT_SECRET } : {}),
        ...(cfg.AUTH_JWKS_URL ? { jwksUrl: cfg.AUTH_JWKS_URL, jwksAlgorithms: jwksAlgorithms(cfg.AUTH_JWT_ALGORITHMS) } : {}),
        ...(issuer?.length ? { issuer } : {}),
        ...(audience?.length ? { audience } : {}),
        ownerClaim: cfg.AUTH_OWNER_CLAIM,
        ...(cfg.AUTH_TENANT_CLAIM ? { tenantClaim: cfg.AUTH_TENANT_CLAIM } : {}),
        clockToleranceSeconds: cfg.AUTH_CLOCK_TOLERANCE_SECONDS,
        jwksTimeoutMs: cfg.AUTH_JWKS_TIMEOUT_MS,
        jwksCooldownMs: cfg.AUTH_JWKS_COOLDOWN_MS,
        jwksCacheMaxAgeMs: cfg.AUTH_JWKS_CACHE_MAX_AGE_MS,
        jwksMaxStaleMs: cfg.AUTH_JWKS_MAX_STALE_MS,
      }),
    );
    names.push(
      `jwt (${[cfg.AUTH_JWT_SECRET ? 'HS256 secret' : '', cfg.AUTH_JWKS_URL ? `JWKS ${new URL(cfg.AUTH_JWKS_URL).host}` : ''].filter(Boolean).join(', ')})`,
    );
  }
  if (configured.includes('trusted-header')) {
    methods.push(
      trustedHeaderAuthenticator({
        header: cfg.AUTH_TRUSTED_HEADER!,
        ...(cfg.AUTH_TRUSTED_SECRET ? { secret: cfg.AUTH_TRUSTED_SECRET, secretHeader: cfg.AUTH_TRUSTED_SECRET_HEADER! } : {}),
      }),
    );
    names.push(`trusted header ${cfg.AUTH_TRUSTED_HEADER}`);
  }
  // Last: it answers every request (as `dev` without a header), so nothing after it would run.
  if (configured.includes('dev-identity')) {
    methods.push(devIdentityAuthenticator());
    names.push('development identity (X-Switchyard-User)');
  }
  if (methods.length === 0) {
    throw new ConfigError(
      'no authentication method: set AUTH_JWKS_URL or AUTH_JWT_SECRET (bearer JWTs), or AUTH_TRUSTED_HEADER (a trusted proxy), ' +
        'or give the app an authenticate hook; for local development set NODE_ENV=development',
    );
  }
  return { authenticate: firstOf(...methods), methods: names };
}
