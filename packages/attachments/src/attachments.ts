// Attachment records (docs/protocol.md §2.8, §3.2): `attachments.create` with a two-phase upload descriptor,
// `attachments.delete`, and the client's view with a preview URL signed on every read.
import { createHash } from 'node:crypto';
import { attachmentObjectName, type BlobStore } from '@switchyard/blob';
import { BadRequest, PayloadTooLarge } from '@switchyard/errors';
import { attachmentToWire, newId, type Attachment, type JsonObject, type JsonValue } from '@switchyard/protocol';
import type { BlobRef, ChatStore } from '@switchyard/store';
import { requireMimeType, type ImageLimits, type MimeType } from './content-check.ts';
import { assertUploadTokenSecret, signUploadToken, UPLOAD_TOKEN_HEADER } from './upload-token.ts';

export interface AttachmentDeps {
  store: ChatStore;
  blob: BlobStore;
  /** Gateway base the client reaches, e.g. `http://localhost:8080`; upload URLs are built on it. */
  publicBaseUrl: string;
  maxUploadBytes: number;
  /** Lifetime of signed preview URLs and of upload tokens. */
  urlTtlSeconds: number;
  /** HMAC key for upload tokens (16+ characters). */
  uploadTokenSecret: string;
  /** Pixel and dimension limits of uploaded images (DEFAULT_IMAGE_LIMITS when absent). */
  imageLimits?: ImageLimits;
}

/** Where the upload routes are mounted; the descriptor URL points under it. */
export const UPLOADS_PATH = '/chatkit/uploads';
const MAX_NAME_LENGTH = 1024;

/**
 * What the server keeps about an upload in `attachment.metadata.upload` (never serialized). It
 * lives inside the attachment, not beside it, so it survives every re-save of the record (adding
 * `thread_id` when a message references it) whatever that save does with the blob reference.
 */
export interface UploadState {
  declared_size: number | null;
  declared_mime_type: string;
  stored: { bytes: number; sha256: string; content_type: string } | null;
}

/**
 * ImageAttachment needs a `preview_url`, but a signed URL must not be persisted: it expires. The
 * record holds this stable name instead (a URN: a name, not a location); every read replaces it.
 */
export function previewPlaceholder(attachmentId: string): string {
  return `urn:switchyard:attachment:${attachmentId}`;
}

export function attachmentBlobName(owner: string, attachmentId: string): string {
  return attachmentObjectName({ owner, attachmentId });
}

export function uploadStateOf(a: Attachment): UploadState | null {
  const raw = a.metadata?.upload;
  if (!isObject(raw)) return null;
  return {
    declared_size: typeof raw.declared_size === 'number' ? raw.declared_size : null,
    declared_mime_type: typeof raw.declared_mime_type === 'string' ? raw.declared_mime_type : a.mime_type,
    stored: storedOf(raw.stored),
  };
}

function storedOf(value: JsonValue | undefined): UploadState['stored'] {
  if (!isObject(value)) return null;
  const { bytes, sha256, content_type } = value;
  return typeof bytes === 'number' && typeof sha256 === 'string' && typeof content_type === 'string'
    ? { bytes, sha256, content_type }
    : null;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function withUploadState(a: Attachment, state: UploadState): Attachment {
  const upload: JsonObject = {
    declared_size: state.declared_size,
    declared_mime_type: state.declared_mime_type,
    stored: state.stored ? { ...state.stored } : null,
  };
  return { ...a, metadata: { ...(a.metadata ?? {}), upload } };
}

/** An `id/name/mime_type` record of the right kind; images carry the placeholder preview URL. */
export function newAttachmentRecord(p: { id: string; name: string; mimeType: string; mime: MimeType }): Attachment {
  const base = { id: p.id, name: p.name, mime_type: p.mimeType };
  return p.mime.type === 'image' ? { ...base, type: 'image', preview_url: previewPlaceholder(p.id) } : { ...base, type: 'file' };
}

export function validateAttachmentName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new BadRequest(`name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return name;
}

function checkDeps(deps: AttachmentDeps): void {
  assertUploadTokenSecret(deps.uploadTokenSecret);
  if (!Number.isSafeInteger(deps.maxUploadBytes) || deps.maxUploadBytes < 1) throw new Error('maxUploadBytes must be a positive integer');
}

/** `http://host:port` with no trailing slash, so the upload URL has exactly one `/` per segment. */
function baseUrl(deps: AttachmentDeps): string {
  return new URL(deps.publicBaseUrl).href.replace(/\/+$/, '');
}

export function blobRefOf(name: string, bytes: Buffer, contentType: string): BlobRef {
  return { name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, contentType };
}

/**
 * `attachments.create` (two-phase): saves a pending record whose upload descriptor points at
 * `PUT <publicBaseUrl>/chatkit/uploads/<id>` with an upload token, and returns the client's view
 * (no `metadata`, a signed `preview_url` for images that works once the bytes have arrived).
 */
export async function createAttachment(
  deps: AttachmentDeps,
  owner: string,
  params: { name: string; size: number; mime_type: string },
): Promise<Attachment> {
  checkDeps(deps);
  const name = validateAttachmentName(params.name);
  if (!Number.isSafeInteger(params.size) || params.size < 0) throw new BadRequest('size must be a non-negative integer');
  if (params.size > deps.maxUploadBytes)
    throw new PayloadTooLarge(`attachments may be at most ${deps.maxUploadBytes} bytes, not ${params.size}`);
  const mime = requireMimeType(params.mime_type);
  const id = newId('atc');
  // Validates owner and id as object-name segments before anything is written.
  attachmentBlobName(owner, id);
  const exp = Math.floor(Date.now() / 1000) + deps.urlTtlSeconds;
  const token = signUploadToken({ secret: deps.uploadTokenSecret, owner, attachmentId: id, exp });
  const record: Attachment = {
    ...newAttachmentRecord({ id, name, mimeType: params.mime_type, mime }),
    upload_descriptor: { url: `${baseUrl(deps)}${UPLOADS_PATH}/${id}`, method: 'PUT', headers: { [UPLOAD_TOKEN_HEADER]: token } },
  };
  const pending = withUploadState(record, { declared_size: params.size, declared_mime_type: mime.essence, stored: null });
  await deps.store.saveAttachment(owner, pending);
  return attachmentForWire(deps, owner, pending);
}

/** `attachments.delete`: NotFound for an unknown id or another owner's; the bytes go first, then the record. */
export async function deleteAttachment(deps: AttachmentDeps, owner: string, attachmentId: string): Promise<void> {
  await deps.store.loadAttachment(owner, attachmentId);
  // Bytes before the record: a failure in between leaves a record to retry the delete on, never orphan bytes.
  await deps.blob.delete(attachmentBlobName(owner, attachmentId));
  await deps.store.deleteAttachment(owner, attachmentId);
}

/**
 * The attachment as the client sees it: `metadata` stripped, nulls omitted, and for images a
 * preview URL signed now (the stored record never holds one). A pending image's URL answers 404
 * until its bytes arrive; the schema requires the field either way.
 */
export async function attachmentForWire(deps: AttachmentDeps, owner: string, a: Attachment): Promise<Attachment> {
  const wire = attachmentToWire(a);
  if (wire.type !== 'image') return wire;
  const previewUrl = await deps.blob.signedUrl(attachmentBlobName(owner, a.id), { expiresInSeconds: deps.urlTtlSeconds });
  return { ...wire, preview_url: previewUrl };
}

/** A thread item as the client sees it: a user message's attachments get fresh preview URLs. */
export async function itemForWire<T extends { type: string }>(deps: AttachmentDeps, owner: string, item: T): Promise<T> {
  const msg = item as T & { type: string; attachments?: Attachment[] };
  if (msg.type !== 'user_message' || !msg.attachments?.length) return item;
  return { ...msg, attachments: await Promise.all(msg.attachments.map((a) => attachmentForWire(deps, owner, a))) };
}
