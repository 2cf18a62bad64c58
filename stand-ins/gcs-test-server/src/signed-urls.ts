// Checks the query-string authentication of path-style (XML API) requests: V4 and V2 signed URLs.
// Expiry is always enforced; signatures are verified when the server knows the signer's public key.

import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { GcsError } from './gcs-errors.ts';

export type PublicKeys = ReadonlyMap<string, KeyObject>;

export interface SignedRequest {
  method: string;
  /** The request path exactly as received (still percent-encoded): it is what was signed. */
  rawPath: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  nowMs: number;
}

const SEVEN_DAYS = 7 * 24 * 60 * 60;
const CLOCK_SKEW_SECONDS = 15 * 60;

export function isSignedRequest(query: URLSearchParams): boolean {
  return query.has('X-Goog-Signature') || query.has('X-Goog-Algorithm') || query.has('GoogleAccessId') || query.has('Signature');
}

export function toPublicKeys(keys: Record<string, string | KeyObject> | undefined): PublicKeys | undefined {
  if (!keys) return undefined;
  return new Map(Object.entries(keys).map(([email, key]) => [email, typeof key === 'string' ? createPublicKey(key) : key]));
}

/** Throws the XML API's error for an expired, malformed or (when keys are known) forged URL. */
export function checkSignedRequest(req: SignedRequest, publicKeys: PublicKeys | undefined): void {
  if (req.query.has('X-Goog-Algorithm')) checkV4(req, publicKeys);
  else if (req.query.has('GoogleAccessId')) checkV2(req, publicKeys);
  else throw new GcsError(400, 'AuthorizationQueryParametersError', 'Query-string authentication is incomplete.');
}

function checkV4(req: SignedRequest, publicKeys: PublicKeys | undefined): void {
  const q = req.query;
  const algorithm = q.get('X-Goog-Algorithm');
  const credential = q.get('X-Goog-Credential') ?? '';
  const date = q.get('X-Goog-Date') ?? '';
  const expires = Number(q.get('X-Goog-Expires'));
  const signedHeaders = q.get('X-Goog-SignedHeaders') ?? '';
  const signature = q.get('X-Goog-Signature') ?? '';
  const signedAt = parseGoogDate(date);
  if (signedAt === undefined || !Number.isInteger(expires) || expires < 1 || expires > SEVEN_DAYS || !credential.includes('/')) {
    throw new GcsError(400, 'AuthorizationQueryParametersError', 'Malformed V4 signed URL parameters.');
  }
  const nowSeconds = Math.floor(req.nowMs / 1000);
  if (signedAt > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw new GcsError(400, 'AuthorizationQueryParametersError', 'Request is not yet valid.');
  }
  if (nowSeconds > signedAt + expires) {
    throw new GcsError(400, 'ExpiredToken', `Request has expired: ${signedAt + expires}`);
  }
  if (!publicKeys) return;
  if (algorithm !== 'GOOG4-RSA-SHA256') throw signatureMismatch();
  const slash = credential.indexOf('/');
  const key = publicKeys.get(credential.slice(0, slash));
  const scope = credential.slice(slash + 1);
  if (!key || !/^[0-9a-f]+$/i.test(signature)) throw signatureMismatch();

  const canonicalQuery = [...q.entries()]
    .filter(([name]) => name !== 'X-Goog-Signature')
    .map(([name, value]) => [strictEncode(name), strictEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const headerNames = signedHeaders.split(';').filter(Boolean);
  const canonicalHeaders = headerNames.map((name) => `${name}:${signedHeaderValue(req, name)}\n`).join('');
  const canonicalRequest = [req.method, req.rawPath, canonicalQuery, canonicalHeaders, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['GOOG4-RSA-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  if (!verify('sha256', Buffer.from(stringToSign), key, Buffer.from(signature, 'hex'))) throw signatureMismatch();
}

function checkV2(req: SignedRequest, publicKeys: PublicKeys | undefined): void {
  const expires = Number(req.query.get('Expires'));
  if (!Number.isInteger(expires)) throw new GcsError(400, 'AuthorizationQueryParametersError', 'Missing or malformed Expires.');
  if (Math.floor(req.nowMs / 1000) > expires) throw new GcsError(400, 'ExpiredToken', `Request has expired: ${expires}`);
  if (!publicKeys) return;
  const key = publicKeys.get(req.query.get('GoogleAccessId') ?? '');
  if (!key) throw signatureMismatch();
  // A plain read signs no Content-MD5, no Content-Type and no extension headers.
  const stringToSign = [req.method, '', '', String(expires), req.rawPath].join('\n');
  if (!verify('sha256', Buffer.from(stringToSign), key, Buffer.from(req.query.get('Signature') ?? '', 'base64'))) {
    throw signatureMismatch();
  }
}

function signedHeaderValue(req: SignedRequest, name: string): string {
  const raw = req.headers[name];
  const value = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim().replace(/\s{2,}/g, ' ');
  // The Node client signs `host` as the bare hostname, without the port, even for a custom endpoint.
  return name === 'host' ? value.replace(/:\d+$/, '') : value;
}

function parseGoogDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** RFC 3986 encoding, the one V4 canonical query strings use. */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function signatureMismatch(): GcsError {
  return new GcsError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
}
