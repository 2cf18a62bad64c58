// The identity seam: a request's credentials in, an owner out. Each way of authenticating is an
// `Authenticate`; `firstOf` chains them, and adapters translate their framework's request to `AuthRequest`.

import { Unauthorized } from '@switchyard/errors';

/** What an authentication method may look at; no framework types, so any adapter can build one. */
export interface AuthRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Who is asking: `owner` scopes every store read and write (and names blob folders). */
export interface Identity {
  owner: string;
  claims: Record<string, unknown>;
}

/**
 * One authentication method. `null` means the request carries no credentials this method
 * recognizes; credentials it recognizes but refuses are thrown (`Unauthorized`, or
 * `ServiceUnavailable` when it cannot check them right now).
 */
export type Authenticate = (req: AuthRequest) => Promise<Identity | null>;

/** Tries `methods` in order; the first identity wins, and a method that throws ends the chain with its error. */
export function firstOf(...methods: Authenticate[]): Authenticate {
  return async (req) => {
    for (const method of methods) {
      const identity = await method(req);
      if (identity) return identity;
    }
    return null;
  };
}

/**
 * One header's value, the name matched case-insensitively. A header sent more than once is refused:
 * which copy a proxy in front of us honoured is unknowable, so neither is trusted.
 */
export function headerValue(req: AuthRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value = req.headers[lower];
  if (value === undefined) {
    const key = Object.keys(req.headers).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : req.headers[key];
  }
  if (!Array.isArray(value)) return value;
  if (value.length > 1) throw new Unauthorized(`${lower} header sent more than once`);
  return value[0];
}
