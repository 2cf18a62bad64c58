// Expiring HMAC-SHA256 URLs for the local driver's files route (`/files/<name>?exp=&sig=`), the
// embedded stand-in for GCS signed URLs. Only the gateway's signing secret can mint them.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Domain separation: a signature minted here can never be replayed as some other HMAC of the secret. */
const CONTEXT = 'switchyard.files.v1';

export type LocalFileUrlCheck = { ok: true; exp: number } | { ok: false; reason: 'unsigned' | 'bad_signature' | 'expired' };

/** base64url HMAC-SHA256 over the name and the expiry (unix seconds); names never contain `\n`. */
export function localFileSignature(name: string, exp: number, secret: string): string {
  return createHmac('sha256', secret).update(`${CONTEXT}\n${name}\n${exp}`).digest('base64url');
}

/** The path under the gateway, each segment percent-encoded. */
export function localFilePath(name: string): string {
  return `/files/${name.split('/').map(encodeURIComponent).join('/')}`;
}

export function signLocalFileUrl(p: { publicBaseUrl: string; name: string; exp: number; secret: string }): string {
  const base = p.publicBaseUrl.replace(/\/+$/, '');
  return `${base}${localFilePath(p.name)}?exp=${p.exp}&sig=${localFileSignature(p.name, p.exp, p.secret)}`;
}

/** Checks the signature first (in constant time), then the expiry, so an expiry is only reported for a genuine URL. */
export function verifyLocalFileUrl(p: { name: string; exp: unknown; sig: unknown; secret: string; nowMs?: number }): LocalFileUrlCheck {
  if (typeof p.exp !== 'string' || typeof p.sig !== 'string' || !/^\d{1,12}$/.test(p.exp)) return { ok: false, reason: 'unsigned' };
  const exp = Number(p.exp);
  const expected = Buffer.from(localFileSignature(p.name, exp, p.secret));
  const given = Buffer.from(p.sig);
  // timingSafeEqual needs equal lengths; a length mismatch leaks nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  if ((p.nowMs ?? Date.now()) >= exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, exp };
}
