// The blob store contract every driver honours (GCS in production, a local directory embedded).
// Writes are create-once: re-putting identical bytes is a no-op, different bytes under a name conflict.

import { BadRequest } from '@switchyard/errors';

export interface PutOptions {
  contentType: string;
  /** Custom metadata. `sha256` is computed by the store; a caller-supplied one must match the bytes. */
  metadata?: Record<string, string>;
}

export interface PutResult {
  /** false when an identical object already existed (an idempotent retry). */
  created: boolean;
}

export interface BlobStat {
  size: number;
  contentType: string;
  metadata: Record<string, string>;
}

export interface BlobStore {
  readonly driver: 'gcs' | 'local';
  /** Creates `name` once. Throws Conflict when it exists with other bytes, BadRequest for a bad name. */
  put(name: string, bytes: Buffer, opts: PutOptions): Promise<PutResult>;
  /** Throws NotFound from @switchyard/errors when missing. */
  get(name: string): Promise<Buffer>;
  stat(name: string): Promise<BlobStat | null>;
  /** Missing is not an error. */
  delete(name: string): Promise<void>;
  /** A URL anyone holding it can GET until it expires; it does not check that the object exists. */
  signedUrl(name: string, opts: { expiresInSeconds: number }): Promise<string>;
  /** Readiness: resolves when the store is reachable and usable, throws otherwise. */
  ping(): Promise<void>;
}

/** The metadata key holding the hex sha256 of an object's bytes: what makes a re-put recognisable. */
export const SHA256_METADATA_KEY = 'sha256';

/** Longest signed URL lifetime, the same seven days GCS V4 signing allows. */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 60 * 60;

/** Adds the content hash; a caller-supplied `sha256` that disagrees with the bytes is a bug upstream. */
export function withSha256(metadata: Record<string, string> | undefined, sha256: string): Record<string, string> {
  const given = metadata?.[SHA256_METADATA_KEY];
  if (given !== undefined && given.toLowerCase() !== sha256) {
    throw new BadRequest('The sha256 metadata does not match the bytes');
  }
  return { ...metadata, [SHA256_METADATA_KEY]: sha256 };
}

export function assertExpiry(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_SIGNED_URL_SECONDS) {
    throw new BadRequest(`expiresInSeconds must be an integer from 1 to ${MAX_SIGNED_URL_SECONDS}`);
  }
}
