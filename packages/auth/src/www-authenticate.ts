// The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3): `Bearer realm="switchyard"`, plus
// `error="invalid_token"` and the short reason when a token was presented but refused.

import { InvalidToken } from './invalid-token.ts';

export const DEFAULT_REALM = 'switchyard';

/** The header value for a 401 caused by `err` (anything; only an `InvalidToken` adds the error). */
export function wwwAuthenticate(err?: unknown, realm: string = DEFAULT_REALM): string {
  const challenge = `Bearer realm=${quoted(realm)}`;
  if (!(err instanceof InvalidToken)) return challenge;
  return `${challenge}, error="invalid_token", error_description=${quoted(err.message)}`;
}

/** An RFC 9110 quoted-string of printable ASCII; the reasons are ours, but a realm comes from config. */
function quoted(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`;
}
