// The test server's state: buckets and the live generation of each object, held in memory.
// Preconditions are evaluated here, in the same synchronous step as the write, so a create is atomic.

import { createHash } from 'node:crypto';
import { crc32cBase64 } from './crc32c.ts';
import { GcsError, noSuchBucket, noSuchObject, preconditionFailed } from './gcs-errors.ts';

/** Standard object fields a client may set on upload, besides `contentType` and custom `metadata`. */
export const PASSTHROUGH_FIELDS = ['cacheControl', 'contentDisposition', 'contentEncoding', 'contentLanguage'] as const;
export type PassthroughField = (typeof PASSTHROUGH_FIELDS)[number];

export interface ObjectInput {
  bucket: string;
  name: string;
  bytes: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  fields: Partial<Record<PassthroughField, string>>;
}

export interface StoredObject extends ObjectInput {
  generation: string;
  metageneration: string;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
}

export interface BucketRecord {
  name: string;
  timeCreated: string;
  objects: Map<string, StoredObject>;
}

/** GCS generation preconditions, as decimal strings from the query string. */
export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

export interface ListQuery {
  prefix?: string;
  delimiter?: string;
  maxResults?: number;
  pageToken?: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export class BucketRegistry {
  private readonly buckets = new Map<string, BucketRecord>();
  private lastGeneration = 0;

  constructor(private readonly autoCreateBuckets: boolean) {}

  createBucket(name: string): BucketRecord {
    if (!BUCKET_NAME.test(name)) throw new GcsError(400, 'invalid', `Invalid bucket name: '${name}'`);
    if (this.buckets.has(name)) {
      throw new GcsError(409, 'conflict', 'Your previous request to create the named bucket succeeded and you already own it.');
    }
    const bucket: BucketRecord = { name, timeCreated: new Date().toISOString(), objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  getBucket(name: string): BucketRecord {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket(name);
    return bucket;
  }

  listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  deleteBucket(name: string): void {
    const bucket = this.getBucket(name);
    if (bucket.objects.size > 0) throw new GcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
    this.buckets.delete(name);
  }

  /** The bucket an upload targets; created on demand when the server was started that way. */
  bucketForWrite(name: string): BucketRecord {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    if (!this.autoCreateBuckets) throw noSuchBucket(name);
    return this.createBucket(name);
  }

  getObject(bucketName: string, name: string, generation?: string): StoredObject {
    const object = this.getBucket(bucketName).objects.get(name);
    // Only the live generation is kept: asking for any other one is a miss, as for a deleted version.
    if (!object || (generation !== undefined && generation !== object.generation)) throw noSuchObject(bucketName, name);
    return object;
  }

  /** Checks preconditions against the current generation (if any); throws 412 when one fails. */
  checkPreconditions(bucketName: string, name: string, preconditions: Preconditions): void {
    const bucket = this.bucketForWrite(bucketName);
    assertPreconditions(bucket.objects.get(name), preconditions);
  }

  putObject(input: ObjectInput, preconditions: Preconditions): StoredObject {
    const bucket = this.bucketForWrite(input.bucket);
    assertPreconditions(bucket.objects.get(input.name), preconditions);
    const stored: StoredObject = {
      ...input,
      generation: this.nextGeneration(),
      metageneration: '1',
      md5Hash: createHash('md5').update(input.bytes).digest('base64'),
      crc32c: crc32cBase64(input.bytes),
      timeCreated: new Date().toISOString(),
    };
    bucket.objects.set(input.name, stored);
    return stored;
  }

  deleteObject(bucketName: string, name: string, preconditions: Preconditions): void {
    const bucket = this.getBucket(bucketName);
    const object = bucket.objects.get(name);
    if (!object) throw noSuchObject(bucketName, name);
    assertPreconditions(object, preconditions);
    bucket.objects.delete(name);
  }

  listObjects(bucketName: string, query: ListQuery): { items: StoredObject[]; prefixes: string[]; nextPageToken?: string } {
    const bucket = this.getBucket(bucketName);
    const prefix = query.prefix ?? '';
    const names = [...bucket.objects.keys()]
      .filter((name) => name.startsWith(prefix) && (query.pageToken === undefined || name > query.pageToken))
      .sort();
    const items: StoredObject[] = [];
    const prefixes = new Set<string>();
    const limit = query.maxResults ?? 1000;
    let last: string | undefined;
    for (const name of names) {
      if (items.length + prefixes.size >= limit) {
        return { items, prefixes: [...prefixes], ...(last !== undefined ? { nextPageToken: last } : {}) };
      }
      const rest = name.slice(prefix.length);
      const cut = query.delimiter ? rest.indexOf(query.delimiter) : -1;
      if (query.delimiter && cut >= 0) {
        prefixes.add(prefix + rest.slice(0, cut + query.delimiter.length));
      } else {
        const object = bucket.objects.get(name);
        if (object) items.push(object);
      }
      last = name;
    }
    return { items, prefixes: [...prefixes] };
  }

  /** Generations are microsecond timestamps like the real service's, strictly increasing. */
  private nextGeneration(): string {
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return String(this.lastGeneration);
  }
}

function assertPreconditions(current: StoredObject | undefined, p: Preconditions): void {
  // `ifGenerationMatch=0` means "only if no live object exists": the idempotent-create primitive.
  const generation = current?.generation ?? '0';
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== generation) throw preconditionFailed();
  if (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === generation) throw preconditionFailed();
  if (p.ifMetagenerationMatch !== undefined && (!current || p.ifMetagenerationMatch !== current.metageneration)) {
    throw preconditionFailed();
  }
  if (p.ifMetagenerationNotMatch !== undefined && current && p.ifMetagenerationNotMatch === current.metageneration) {
    throw preconditionFailed();
  }
}
