// The capability a two-phase upload descriptor carries: an expiring HMAC over owner, attachment id
// and expiry, so only the client that created the attachment can send its bytes, and only for a while.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Forbidden } from '@switchyard/errors';

/** Header name as the descriptor advertises it; Node lower-cases incoming header names. */
export const UPLOAD_TOKEN_HEADER = 'X-Switchyard-Upload-Token';

/** Domain separation: an upload token can never pass as a files-route signature made with the same secret. */
const CONTEXT = 'switchyard.upload.v1';
const TOKEN = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** A short secret makes every token forgeable: refuse it when the deps are first used, not on an attack. */
export function assertUploadTokenSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new Error('uploadTokenSecret must be at least 16 characters');
  }
}

function signature(secret: string, owner: string, attachmentId: string, exp: number): string {
  return createHmac('sha256', secret).update(`${CONTEXT}\n${owner}\n${attachmentId}\n${exp}`).digest('base64url');
}

/** `v1.<exp>.<sig>`: the expiry travels in clear so a verifier needs no state. */
export function signUploadToken(p: { secret: string; owner: string; attachmentId: string; exp: number }): string {
  assertUploadTokenSecret(p.secret);
  return `v1.${p.exp}.${signature(p.secret, p.owner, p.attachmentId, p.exp)}`;
}

/** Throws Forbidden unless `token` was minted for this owner and attachment and has not expired. */
export function verifyUploadToken(p: {
  secret: string;
  owner: string;
  attachmentId: string;
  token: string | undefined;
  nowMs?: number;
}): void {
  const match = p.token === undefined ? null : TOKEN.exec(p.token);
  if (!match) throw new Forbidden(`a valid ${UPLOAD_TOKEN_HEADER} header is required`);
  const exp = Number(match[1]);
  const expected = Buffer.from(signature(p.secret, p.owner, p.attachmentId, exp));
  const given = Buffer.from(match[2] ?? '');
  // The pattern fixes the length, so timingSafeEqual never sees unequal buffers.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Forbidden('the upload token does not match this attachment');
  }
  // Checked after the signature so an expiry is only ever reported for a genuine token.
  if ((p.nowMs ?? Date.now()) >= exp * 1000) throw new Forbidden('the upload token has expired; create the attachment again');
}
