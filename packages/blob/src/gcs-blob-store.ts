// The production blob store driver: Google Cloud Storage through @google-cloud/storage.
// Creates are single-request uploads guarded by `ifGenerationMatch: 0`; reads are V4 signed URLs.

import { createHash } from 'node:crypto';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { Conflict, NotFound, ServiceUnavailable } from '@switchyard/errors';
import {
  assertExpiry,
  SHA256_METADATA_KEY,
  withSha256,
  type BlobStat,
  type BlobStore,
  type PutOptions,
  type PutResult,
} from './blob-store.ts';
import { assertValidObjectName } from './object-names.ts';

export interface GcsBlobStoreOptions {
  bucket: string;
  /**
   * A non-Google endpoint (a test server, an emulator). The client then sends the JSON API to
   * `<apiEndpoint>/storage/v1`, uploads to `<apiEndpoint>/upload/storage/v1`, and signs URLs for
   * `<apiEndpoint>/<bucket>/<object>`, so signed URLs stay fetchable.
   */
  apiEndpoint?: string;
  projectId?: string;
  credentials?: { client_email: string; private_key: string };
  keyFilename?: string;
  /**
   * The client skips authentication for any custom `apiEndpoint` (right for a test server). Set this
   * for a custom endpoint that is real GCS, such as a Private Service Connect hostname.
   */
  authenticateCustomEndpoint?: boolean;
  /** Readiness probe budget (default 5000 ms): a hung endpoint must fail readiness, not stall it. */
  pingTimeoutMs?: number;
  /**
   * Client retries of transient failures (default: the client's 3). Reads retry even a refused
   * connection with backoff, about 15 s in all; lower this where failing fast matters more.
   */
  maxRetries?: number;
}

/** Network failures the client surfaces as string codes: the store is unreachable, not the request wrong. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

export function createGcsBlobStore(opts: GcsBlobStoreOptions): BlobStore {
  if (!opts.bucket) throw new Error('The GCS blob store needs a bucket name');
  const storageOptions: StorageOptions = {
    ...(opts.apiEndpoint !== undefined ? { apiEndpoint: opts.apiEndpoint } : {}),
    ...(opts.projectId !== undefined ? { projectId: opts.projectId } : {}),
    ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
    ...(opts.keyFilename !== undefined ? { keyFilename: opts.keyFilename } : {}),
    ...(opts.authenticateCustomEndpoint ? { useAuthWithCustomEndpoint: true } : {}),
    // The client reads `maxRetries: 0` as "use the default", so no retries has to be `autoRetry: false`.
    ...(opts.maxRetries !== undefined
      ? { retryOptions: opts.maxRetries > 0 ? { maxRetries: opts.maxRetries } : { autoRetry: false } }
      : {}),
  };
  const bucket = new Storage(storageOptions).bucket(opts.bucket);
  const pingTimeoutMs = opts.pingTimeoutMs ?? 5000;

  async function stat(name: string): Promise<BlobStat | null> {
    assertValidObjectName(name);
    try {
      const [metadata] = await bucket.file(name).getMetadata();
      return {
        size: Number(metadata.size ?? 0),
        contentType: metadata.contentType ?? 'application/octet-stream',
        metadata: stringValues(metadata.metadata),
      };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw translate(err, name);
    }
  }

  async function put(name: string, bytes: Buffer, putOpts: PutOptions): Promise<PutResult> {
    assertValidObjectName(name);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const metadata = withSha256(putOpts.metadata, sha256);
    // Two rounds cover a rival delete between our 412 and our stat; a third would be a livelock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await bucket.file(name).save(bytes, {
          // One request, no resumable session round trip: objects here are a few MB at most.
          resumable: false,
          contentType: putOpts.contentType,
          metadata: { contentType: putOpts.contentType, metadata },
          // Create-only: a retry after a lost response gets 412 instead of writing a new generation.
          preconditionOpts: { ifGenerationMatch: 0 },
        });
        return { created: true };
      } catch (err) {
        if (statusOf(err) !== 412) throw translate(err, name);
      }
      const existing = await stat(name);
      if (!existing) continue;
      if (existing.metadata[SHA256_METADATA_KEY] === sha256) return { created: false };
      throw new Conflict(`Object ${name} already exists with different content`);
    }
    throw new Conflict(`Object ${name} is being created and deleted concurrently`);
  }

  return {
    driver: 'gcs',
    put,
    stat,

    async get(name) {
      assertValidObjectName(name);
      try {
        const [bytes] = await bucket.file(name).download();
        return bytes;
      } catch (err) {
        if (statusOf(err) === 404) throw new NotFound(`Object ${name} not found`);
        throw translate(err, name);
      }
    },

    async delete(name) {
      assertValidObjectName(name);
      try {
        await bucket.file(name).delete({ ignoreNotFound: true });
      } catch (err) {
        throw translate(err, name);
      }
    },

    async signedUrl(name, { expiresInSeconds }) {
      assertValidObjectName(name);
      assertExpiry(expiresInSeconds);
      // V4 explicitly: the client still defaults to V2. Signing is local with a key, or IAM signBlob on GCP.
      const [url] = await bucket.file(name).getSignedUrl({
        version: 'v4',
        action: 'read',
        expires: Date.now() + expiresInSeconds * 1000,
      });
      return url;
    },

    async ping() {
      // Listing one object needs only storage.objects.list, which an object-level role grants;
      // reading the bucket's own metadata would need storage.buckets.get as well.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ServiceUnavailable(`GCS bucket ${opts.bucket} did not answer within ${pingTimeoutMs} ms`)),
          pingTimeoutMs,
        );
        timer.unref();
      });
      try {
        await Promise.race([bucket.getFiles({ maxResults: 1, autoPaginate: false }), timeout]);
      } catch (err) {
        if (err instanceof ServiceUnavailable) throw err;
        throw new ServiceUnavailable(`GCS bucket ${opts.bucket} is not reachable: ${messageOf(err)}`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The HTTP status of a client error: ApiError and the resumable uploader both put it in `code`. */
function statusOf(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Unavailability becomes a 503; anything else (403 misconfiguration, a bug) stays as it is. */
function translate(err: unknown, name: string): unknown {
  const status = statusOf(err);
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if ((status !== undefined && (status === 429 || status >= 500)) || (typeof code === 'string' && UNREACHABLE.has(code))) {
    return new ServiceUnavailable(`GCS is unavailable for ${name}: ${messageOf(err)}`, { cause: err });
  }
  return err;
}

function stringValues(metadata: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (value !== null && value !== undefined) out[key] = String(value);
  }
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
