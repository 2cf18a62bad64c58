// A Google Cloud Storage test server over node:http, hand-written because no GCS emulator can run
// here; it speaks the JSON and XML API subset that @google-cloud/storage uses, over both endpoint styles.
//
// Covered: bucket create/get/list/delete; uploads by `uploadType=multipart`, `media` and `resumable`
// (session URI + PUT, chunked or not); generation preconditions (`ifGenerationMatch=0` → 412);
// metadata GET; `alt=media` downloads with Range; delete; list with prefix/delimiter/pages; and
// path-style `GET /<bucket>/<object>` reads, where a V4 signed URL points when the client has a
// custom endpoint (expiry always enforced, the signature when the signer's public key is known).

import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BucketRegistry,
  PASSTHROUGH_FIELDS,
  type BucketRecord,
  type ObjectInput,
  type Preconditions,
  type StoredObject,
} from './bucket-registry.ts';
import { crc32cBase64 } from './crc32c.ts';
import { badRequest, GcsError } from './gcs-errors.ts';
import { parseMultipartRelated } from './multipart.ts';
import { checkSignedRequest, isSignedRequest, toPublicKeys } from './signed-urls.ts';

export interface GcsTestServer {
  /** `http://127.0.0.1:<port>`: use as `apiEndpoint` or as `STORAGE_EMULATOR_HOST`. */
  url: string;
  port: number;
  close(): Promise<void>;
  objects(bucket: string): Array<{
    name: string;
    size: number;
    contentType: string;
    metadata: Record<string, string>;
    generation: string;
  }>;
}

export interface GcsTestServerOptions {
  port?: number;
  /** Buckets that exist from the start. */
  buckets?: string[];
  /** Create a bucket on its first upload (default true); false makes uploads to unknown buckets 404. */
  autoCreateBuckets?: boolean;
  /**
   * Public keys by service-account email. When given, signed URLs must carry a valid signature from
   * one of them; without it only their expiry is checked.
   */
  signingKeys?: Record<string, string | KeyObject>;
  /** Largest accepted request body (default 64 MiB); larger uploads get 413. */
  maxBodyBytes?: number;
}

interface ResumableSession {
  bucket: string;
  name: string;
  object: Omit<ObjectInput, 'bytes' | 'bucket' | 'name'>;
  preconditions: Preconditions;
  chunks: Buffer[];
  received: number;
}

type Route =
  | { kind: 'bucket-collection' }
  | { kind: 'bucket'; bucket: string }
  | { kind: 'object-collection'; bucket: string }
  | { kind: 'object'; bucket: string; object: string }
  | { kind: 'upload'; bucket: string }
  | { kind: 'download'; bucket: string; object: string }
  | { kind: 'path-style'; bucket: string; object: string };

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  route: Route;
  query: URLSearchParams;
  rawPath: string;
  origin: string;
}

const UPLOAD_PREFIX = '/upload/storage/v1/b/';
const DOWNLOAD_PREFIX = '/download/storage/v1/b/';

export async function startGcsTestServer(opts: GcsTestServerOptions = {}): Promise<GcsTestServer> {
  const registry = new BucketRegistry(opts.autoCreateBuckets ?? true);
  for (const bucket of opts.buckets ?? []) registry.createBucket(bucket);
  const publicKeys = toPublicKeys(opts.signingKeys);
  const sessions = new Map<string, ResumableSession>();
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const gcsError = err instanceof GcsError ? err : new GcsError(500, 'backendError', String(err));
      const route = safeRoute(req);
      if (!res.headersSent) sendError(res, gcsError, route?.kind === 'path-style');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://test-server.invalid');
    const route = routeOf(url.pathname, url.searchParams);
    if (!route) throw new GcsError(404, 'notFound', `Not Found: ${req.method ?? 'GET'} ${url.pathname}`);
    const ctx: Context = {
      req,
      res,
      route,
      query: url.searchParams,
      rawPath: url.pathname,
      origin: `http://${req.headers.host ?? `127.0.0.1:${port}`}`,
    };
    const method = req.method ?? 'GET';
    switch (route.kind) {
      case 'bucket-collection':
        if (method === 'POST') return createBucket(ctx);
        if (method === 'GET') return sendJson(res, 200, { kind: 'storage#buckets', items: registry.listBuckets().map(bucketResource) });
        break;
      case 'bucket':
        if (method === 'GET') return sendJson(res, 200, bucketResource(registry.getBucket(route.bucket)));
        if (method === 'DELETE') {
          registry.deleteBucket(route.bucket);
          return sendEmpty(res, 204);
        }
        break;
      case 'object-collection':
        if (method === 'GET') return listObjects(ctx, route.bucket);
        break;
      case 'object':
        if (method === 'GET' || method === 'HEAD') {
          const object = registry.getObject(route.bucket, route.object, ctx.query.get('generation') ?? undefined);
          assertReadPreconditions(object, preconditionsOf(ctx.query));
          if (ctx.query.get('alt') === 'media') return sendMedia(ctx, object, false);
          return sendJson(res, 200, objectResource(ctx.origin, object));
        }
        if (method === 'DELETE') {
          registry.deleteObject(route.bucket, route.object, preconditionsOf(ctx.query));
          return sendEmpty(res, 204);
        }
        break;
      case 'download':
        if (method === 'GET' || method === 'HEAD') {
          const object = registry.getObject(route.bucket, route.object, ctx.query.get('generation') ?? undefined);
          return sendMedia(ctx, object, false);
        }
        break;
      case 'upload':
        return upload(ctx, route.bucket, method);
      case 'path-style':
        if (method === 'GET' || method === 'HEAD') return pathStyleRead(ctx, route.bucket, route.object);
        break;
    }
    throw new GcsError(405, 'methodNotAllowed', `${method} is not supported on this resource by the test server`);
  }

  async function createBucket(ctx: Context): Promise<void> {
    const body = parseJsonObject(await readBody(ctx.req, maxBodyBytes));
    const name = typeof body.name === 'string' ? body.name : '';
    sendJson(ctx.res, 200, bucketResource(registry.createBucket(name)));
  }

  function listObjects(ctx: Context, bucket: string): void {
    const maxResults = ctx.query.get('maxResults');
    const page = registry.listObjects(bucket, {
      ...optional('prefix', ctx.query.get('prefix')),
      ...optional('delimiter', ctx.query.get('delimiter')),
      ...optional('pageToken', ctx.query.get('pageToken')),
      ...(maxResults !== null ? { maxResults: Math.max(1, Number(maxResults) || 1000) } : {}),
    });
    sendJson(ctx.res, 200, {
      kind: 'storage#objects',
      items: page.items.map((object) => objectResource(ctx.origin, object)),
      ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
      ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {}),
    });
  }

  async function upload(ctx: Context, bucket: string, method: string): Promise<void> {
    const uploadId = ctx.query.get('upload_id');
    if (uploadId !== null) return resumableRequest(ctx, uploadId, method);
    if (method !== 'POST') throw new GcsError(405, 'methodNotAllowed', `${method} needs an upload_id`);
    const uploadType = ctx.query.get('uploadType') ?? 'media';
    const preconditions = preconditionsOf(ctx.query);
    const body = await readBody(ctx.req, maxBodyBytes);
    if (uploadType === 'media') {
      const name = requireName(ctx.query.get('name') ?? undefined);
      const object: ObjectInput = {
        bucket,
        name,
        bytes: body,
        contentType: headerOf(ctx.req, 'content-type') ?? 'application/octet-stream',
        metadata: {},
        fields: {},
      };
      return sendJson(ctx.res, 200, objectResource(ctx.origin, registry.putObject(object, preconditions)));
    }
    if (uploadType === 'multipart') {
      const parts = parseMultipartRelated(body, headerOf(ctx.req, 'content-type'));
      const [metaPart, mediaPart] = parts;
      if (parts.length !== 2 || !metaPart || !mediaPart) throw badRequest('A multipart upload has exactly two parts: metadata and media');
      const resource = parseJsonObject(metaPart.body);
      const described = describeObject(resource);
      const name = requireName(ctx.query.get('name') ?? described.name);
      const object: ObjectInput = {
        bucket,
        name,
        bytes: mediaPart.body,
        contentType: described.contentType ?? mediaPart.headers['content-type'] ?? 'application/octet-stream',
        metadata: described.metadata,
        fields: described.fields,
      };
      assertClientHash(ctx.req, object.bytes);
      return sendJson(ctx.res, 200, objectResource(ctx.origin, registry.putObject(object, preconditions)));
    }
    if (uploadType === 'resumable') {
      const described = describeObject(body.length > 0 ? parseJsonObject(body) : {});
      const name = requireName(ctx.query.get('name') ?? described.name);
      // The real service refuses a session whose preconditions already fail; they are checked again at the end.
      registry.checkPreconditions(bucket, name, preconditions);
      const id = randomUUID().replaceAll('-', '');
      sessions.set(id, {
        bucket,
        name,
        preconditions,
        chunks: [],
        received: 0,
        object: {
          contentType: headerOf(ctx.req, 'x-upload-content-type') ?? described.contentType ?? 'application/octet-stream',
          metadata: described.metadata,
          fields: described.fields,
        },
      });
      const location = `${ctx.origin}${UPLOAD_PREFIX}${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      ctx.res.setHeader('Location', location);
      return sendJson(ctx.res, 200, {});
    }
    throw badRequest(`Unsupported uploadType: ${uploadType}`);
  }

  async function resumableRequest(ctx: Context, uploadId: string, method: string): Promise<void> {
    const session = sessions.get(uploadId);
    if (!session) throw new GcsError(404, 'notFound', 'No such upload session');
    if (method === 'DELETE') {
      sessions.delete(uploadId);
      return sendEmpty(ctx.res, 499);
    }
    if (method !== 'PUT' && method !== 'POST') throw new GcsError(405, 'methodNotAllowed', `${method} on an upload session`);
    const body = await readBody(ctx.req, maxBodyBytes);
    const range = parseContentRange(headerOf(ctx.req, 'content-range'));
    let complete: boolean;
    if (range.kind === 'none') {
      append(session, 0, body);
      complete = true;
    } else if (range.kind === 'status') {
      complete = range.total !== undefined && range.total === session.received;
    } else {
      if (range.start > session.received)
        throw badRequest(`Chunk starts at ${range.start} but only ${session.received} bytes were received`);
      append(session, range.start, body);
      if (range.total !== undefined && session.received > range.total) throw badRequest('More bytes than the declared total');
      // `bytes N-*/*` (what the client sends for a single-request session) means "this is the rest".
      complete = (range.total !== undefined && session.received === range.total) || (range.end === undefined && range.total === undefined);
    }
    if (!complete) {
      if (session.received > 0) ctx.res.setHeader('Range', `bytes=0-${session.received - 1}`);
      return sendEmpty(ctx.res, 308);
    }
    const bytes = Buffer.concat(session.chunks);
    assertClientHash(ctx.req, bytes);
    sessions.delete(uploadId);
    const stored = registry.putObject({ bucket: session.bucket, name: session.name, bytes, ...session.object }, session.preconditions);
    sendJson(ctx.res, 200, objectResource(ctx.origin, stored));
  }

  function pathStyleRead(ctx: Context, bucket: string, objectName: string): void {
    if (!isSignedRequest(ctx.query)) {
      throw new GcsError(403, 'AccessDenied', 'Anonymous caller does not have storage.objects.get access to the object.');
    }
    checkSignedRequest(
      { method: ctx.req.method ?? 'GET', rawPath: ctx.rawPath, query: ctx.query, headers: ctx.req.headers, nowMs: Date.now() },
      publicKeys,
    );
    let object: StoredObject;
    try {
      object = registry.getObject(bucket, objectName, ctx.query.get('generation') ?? undefined);
    } catch (err) {
      if (err instanceof GcsError && err.status === 404) throw new GcsError(404, 'NoSuchKey', 'The specified key does not exist.');
      throw err;
    }
    sendMedia(ctx, object, true);
  }

  let port = opts.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => closeServer(server),
    objects: (bucket) =>
      [
        ...(registry
          .listBuckets()
          .find((b) => b.name === bucket)
          ?.objects.values() ?? []),
      ]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((o) => ({
          name: o.name,
          size: o.bytes.length,
          contentType: o.contentType,
          metadata: { ...o.metadata },
          generation: o.generation,
        })),
  };
}

/**
 * Maps a raw (still percent-encoded) path to a route; names are decoded last so `%2F` stays inside one.
 * The client sends the JSON API to `<STORAGE_EMULATOR_HOST>/b/…` (used verbatim as the base) or to
 * `<apiEndpoint>/storage/v1/b/…`, and uploads to `<endpoint>/upload/storage/v1/b/…` in both cases.
 */
function routeOf(rawPath: string, query: URLSearchParams): Route | undefined {
  // A signed URL is path-style whatever its first segment is (a bucket may well be called "storage").
  if (isSignedRequest(query)) return pathStyle(rawPath);
  // With STORAGE_EMULATOR_HOST=http://host/storage/v1 the client puts the upload path after that base.
  let path =
    rawPath.startsWith('/storage/v1/upload/') || rawPath.startsWith('/storage/v1/download/')
      ? rawPath.slice('/storage/v1'.length)
      : rawPath;
  if (path.startsWith(UPLOAD_PREFIX)) {
    const m = /^([^/]+)\/o$/.exec(path.slice(UPLOAD_PREFIX.length));
    return m?.[1] ? { kind: 'upload', bucket: decode(m[1]) } : undefined;
  }
  if (path.startsWith(DOWNLOAD_PREFIX)) {
    const m = /^([^/]+)\/o\/(.+)$/.exec(path.slice(DOWNLOAD_PREFIX.length));
    return m?.[1] && m[2] ? { kind: 'download', bucket: decode(m[1]), object: decode(m[2]) } : undefined;
  }
  // apiEndpoint style puts the JSON API under /storage/v1; STORAGE_EMULATOR_HOST style at the root.
  if (path === '/storage/v1' || path.startsWith('/storage/v1/')) path = path.slice('/storage/v1'.length);
  if (path === '/b' || path === '/b/') return { kind: 'bucket-collection' };
  let m = /^\/b\/([^/]+)\/?$/.exec(path);
  if (m?.[1]) return { kind: 'bucket', bucket: decode(m[1]) };
  m = /^\/b\/([^/]+)\/o\/?$/.exec(path);
  if (m?.[1]) return { kind: 'object-collection', bucket: decode(m[1]) };
  m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
  if (m?.[1] && m[2]) return { kind: 'object', bucket: decode(m[1]), object: decode(m[2]) };
  return pathStyle(rawPath);
}

function pathStyle(rawPath: string): Route | undefined {
  const m = /^\/([^/]+)\/(.+)$/.exec(rawPath);
  return m?.[1] && m[2] ? { kind: 'path-style', bucket: decode(m[1]), object: decode(m[2]) } : undefined;
}

function safeRoute(req: IncomingMessage): Route | undefined {
  try {
    const url = new URL(req.url ?? '/', 'http://test-server.invalid');
    return routeOf(url.pathname, url.searchParams);
  } catch {
    return undefined;
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`Malformed percent-encoding in '${segment}'`);
  }
}

function sendMedia(ctx: Context, object: StoredObject, xmlApi: boolean): void {
  const { req, res, query } = ctx;
  const size = object.bytes.length;
  res.setHeader('Content-Type', (xmlApi && query.get('response-content-type')) || object.contentType);
  const disposition = (xmlApi && query.get('response-content-disposition')) || object.fields.contentDisposition;
  if (disposition) res.setHeader('Content-Disposition', disposition);
  if (object.fields.cacheControl) res.setHeader('Cache-Control', object.fields.cacheControl);
  else res.setHeader('Cache-Control', 'private, max-age=0');
  res.setHeader('ETag', `"${Buffer.from(object.md5Hash, 'base64').toString('hex')}"`);
  res.setHeader('Last-Modified', new Date(object.timeCreated).toUTCString());
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('x-goog-generation', object.generation);
  res.setHeader('x-goog-metageneration', object.metageneration);
  // Stored identity + x-goog-hash is what lets the client verify a full download's crc32c.
  res.setHeader('x-goog-stored-content-encoding', 'identity');
  res.setHeader('x-goog-stored-content-length', String(size));
  const range = parseRange(headerOf(req, 'range'), size);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new GcsError(416, xmlApi ? 'InvalidRange' : 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.');
  }
  let body = object.bytes;
  if (range) {
    body = object.bytes.subarray(range.start, range.end + 1);
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  } else {
    res.statusCode = 200;
    res.setHeader('x-goog-hash', `crc32c=${object.crc32c},md5=${object.md5Hash}`);
  }
  res.setHeader('Content-Length', String(body.length));
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** One `bytes=` range (the only form GCS honours); anything else serves the whole object. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

type ContentRange = { kind: 'none' } | { kind: 'status'; total?: number } | { kind: 'chunk'; start: number; end?: number; total?: number };

function parseContentRange(header: string | undefined): ContentRange {
  if (!header) return { kind: 'none' };
  const m = /^bytes (?:\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(header.trim());
  if (!m) throw badRequest(`Malformed Content-Range: ${header}`);
  const total = m[3] === '*' || m[3] === undefined ? undefined : Number(m[3]);
  if (m[1] === undefined) return total === undefined ? { kind: 'status' } : { kind: 'status', total };
  return {
    kind: 'chunk',
    start: Number(m[1]),
    ...(m[2] !== '*' ? { end: Number(m[2]) } : {}),
    ...(total !== undefined ? { total } : {}),
  };
}

function append(session: ResumableSession, start: number, body: Buffer): void {
  // A retried chunk may overlap what was already persisted; keep only the new tail.
  const fresh = body.subarray(Math.max(0, session.received - start));
  session.chunks.push(fresh);
  session.received += fresh.length;
}

function assertClientHash(req: IncomingMessage, bytes: Buffer): void {
  const header = headerOf(req, 'x-goog-hash');
  const declared = header ? /crc32c=([^,\s]+)/.exec(header)?.[1] : undefined;
  if (declared !== undefined && declared !== crc32cBase64(bytes)) {
    throw badRequest('Provided CRC32C does not match the uploaded data');
  }
}

function assertReadPreconditions(object: StoredObject, p: Preconditions): void {
  if (
    (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== object.generation) ||
    (p.ifMetagenerationMatch !== undefined && p.ifMetagenerationMatch !== object.metageneration)
  ) {
    throw new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
  }
  if (
    (p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === object.generation) ||
    (p.ifMetagenerationNotMatch !== undefined && p.ifMetagenerationNotMatch === object.metageneration)
  ) {
    throw new GcsError(304, 'notModified', 'Not Modified');
  }
}

function preconditionsOf(query: URLSearchParams): Preconditions {
  const out: Preconditions = {};
  for (const key of ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch'] as const) {
    const value = query.get(key);
    if (value === null) continue;
    if (!/^\d+$/.test(value)) throw badRequest(`Invalid value for ${key}: ${value}`);
    out[key] = String(BigInt(value));
  }
  return out;
}

function describeObject(
  resource: Record<string, unknown>,
): Pick<ObjectInput, 'metadata' | 'fields'> & { name?: string; contentType?: string } {
  const metadata: Record<string, string> = {};
  if (resource.metadata !== undefined && resource.metadata !== null) {
    if (typeof resource.metadata !== 'object' || Array.isArray(resource.metadata)) throw badRequest('metadata must be an object');
    for (const [key, value] of Object.entries(resource.metadata)) {
      // The JSON API stores custom metadata as strings; null deletes a key.
      if (value !== null && value !== undefined) metadata[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  const fields: ObjectInput['fields'] = {};
  for (const field of PASSTHROUGH_FIELDS) {
    const value = resource[field];
    if (typeof value === 'string') fields[field] = value;
  }
  return {
    metadata,
    fields,
    ...(typeof resource.name === 'string' ? { name: resource.name } : {}),
    ...(typeof resource.contentType === 'string' ? { contentType: resource.contentType } : {}),
  };
}

function requireName(name: string | undefined): string {
  if (!name) throw new GcsError(400, 'required', 'Required object name is missing');
  if (Buffer.byteLength(name) > 1024 || /[\r\n]/.test(name)) throw badRequest('The object name is invalid');
  return name;
}

function objectResource(origin: string, o: StoredObject): Record<string, unknown> {
  const encoded = encodeURIComponent(o.name);
  const updated = o.timeCreated;
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${origin}/storage/v1/b/${encodeURIComponent(o.bucket)}/o/${encoded}`,
    mediaLink: `${origin}/download/storage/v1/b/${encodeURIComponent(o.bucket)}/o/${encoded}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: o.metageneration,
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.bytes.length),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: Buffer.from(o.generation).toString('base64'),
    timeCreated: o.timeCreated,
    updated,
    timeStorageClassUpdated: o.timeCreated,
    ...o.fields,
    ...(Object.keys(o.metadata).length > 0 ? { metadata: { ...o.metadata } } : {}),
  };
}

function bucketResource(b: BucketRecord): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: b.name,
    name: b.name,
    projectNumber: '0',
    metageneration: '1',
    location: 'US',
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated: b.timeCreated,
    updated: b.timeCreated,
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('Request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new GcsError(413, 'uploadTooLarge', `Request body exceeds the test server's ${limit} byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': '0' });
  res.end();
}

function sendError(res: ServerResponse, err: GcsError, xmlApi: boolean): void {
  if (err.status === 304) return sendEmpty(res, 304);
  const body = xmlApi ? err.toXml() : JSON.stringify(err.toJson());
  res.writeHead(err.status, {
    'Content-Type': xmlApi ? 'application/xml; charset=UTF-8' : 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Clients keep sockets alive (`forever: true`); without this close() waits for them to time out.
    server.closeAllConnections();
  });
}
