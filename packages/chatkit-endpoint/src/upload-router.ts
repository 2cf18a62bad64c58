// The upload endpoints outside the JSON protocol (docs/protocol.md §3.3): `POST /chatkit/uploads` for the
// direct strategy and `PUT|POST /chatkit/uploads/:attachmentId` for the second phase of two-phase.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { DOWNLOAD_NAME_METADATA_KEY } from '@switchyard/blob';
import { newId, type Attachment } from '@switchyard/protocol';
import {
  attachmentBlobName,
  attachmentForWire,
  blobRefOf,
  newAttachmentRecord,
  UPLOADS_PATH,
  uploadStateOf,
  validateAttachmentName,
  withUploadState,
  type AttachmentDeps,
  checkContent,
  requireMimeType,
  assertUploadTokenSecret,
  UPLOAD_TOKEN_HEADER,
  verifyUploadToken,
} from '@switchyard/attachments';
import { sendError } from './error-answer.ts';
import { readUploadBody, type UploadedBody } from './upload-body.ts';

export interface UploadRouterDeps extends AttachmentDeps {
  /** Who is uploading (throws to refuse); every record and object is scoped by it. */
  ownerOf(req: Request): Promise<string>;
}

/** What a direct upload is called when its form part carries no filename. */
const UNNAMED = 'upload';
const GENERIC = 'application/octet-stream';

/**
 * Mount before any body parser: the routes read the request stream themselves, to enforce
 * `maxUploadBytes` as bytes arrive. Errors are answered here as `{error:{code,message}}`.
 */
export function createUploadRouter(deps: UploadRouterDeps): Router {
  assertUploadTokenSecret(deps.uploadTokenSecret);
  if (!Number.isSafeInteger(deps.maxUploadBytes) || deps.maxUploadBytes < 1) throw new Error('maxUploadBytes must be a positive integer');
  const router = express.Router();

  router.post(UPLOADS_PATH, async (req: Request, res: Response) => {
    const owner = await deps.ownerOf(req);
    const body = await readUploadBody(req, { maxBytes: deps.maxUploadBytes, multipart: 'required' });
    sendAttachment(res, await storeDirectUpload(deps, owner, body));
  });

  const secondPhase = async (req: Request, res: Response): Promise<void> => {
    const owner = await deps.ownerOf(req);
    const attachmentId = String(req.params.attachmentId);
    // Owner first: another user's attachment is a 404 whatever token comes with it.
    const pending = await deps.store.loadAttachment(owner, attachmentId);
    // The token is checked before a single body byte is read.
    verifyUploadToken({ secret: deps.uploadTokenSecret, owner, attachmentId, token: req.get(UPLOAD_TOKEN_HEADER) });
    const body = await readUploadBody(req, { maxBytes: deps.maxUploadBytes, multipart: 'optional' });
    sendAttachment(res, await storeSecondPhase(deps, owner, pending, body));
  };
  router.put(`${UPLOADS_PATH}/:attachmentId`, secondPhase);
  router.post(`${UPLOADS_PATH}/:attachmentId`, secondPhase);

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    // Answering before the body was read (413, 403, 404): close rather than keep a half-read connection.
    if (!res.headersSent && !req.complete) res.set('Connection', 'close');
    sendError(req, res, err);
  });
  return router;
}

function sendAttachment(res: Response, attachment: Attachment): void {
  // The body carries a signed URL: no shared cache may keep it.
  res.set('Cache-Control', 'no-store');
  res.status(200).json(attachment);
}

/** Direct strategy: the bytes arrive first, so the record is created from what they turned out to be. */
async function storeDirectUpload(deps: AttachmentDeps, owner: string, body: UploadedBody): Promise<Attachment> {
  const name = validateAttachmentName(body.filename ?? UNNAMED);
  const declared = requireMimeType(body.declaredType ?? GENERIC);
  const checked = await checkContent(body.bytes, declared, deps.imageLimits ? { imageLimits: deps.imageLimits } : {});
  // "Some bytes" from the browser (an unknown extension) becomes the type the bytes revealed.
  const mimeType = declared.essence === GENERIC ? checked.contentType : declared.essence;
  const id = newId('atc');
  const blobName = attachmentBlobName(owner, id);
  // The original name travels with the bytes: downloads are saved under it (Content-Disposition).
  await deps.blob.put(blobName, body.bytes, { contentType: checked.contentType, metadata: { [DOWNLOAD_NAME_METADATA_KEY]: name } });
  const ref = blobRefOf(blobName, body.bytes, checked.contentType);
  const record = withUploadState(newAttachmentRecord({ id, name, mimeType, mime: requireMimeType(mimeType) }), {
    declared_size: null,
    declared_mime_type: declared.essence,
    stored: { bytes: ref.bytes, sha256: ref.sha256, content_type: ref.contentType },
  });
  try {
    await deps.store.saveAttachment(owner, record, ref);
  } catch (err) {
    // Nothing references a fresh id yet: bytes without a record would be unreachable forever.
    await deps.blob.delete(blobName).catch(() => undefined);
    throw err;
  }
  return attachmentForWire(deps, owner, record);
}

/**
 * Two-phase, second step: the bytes must be what `attachments.create` declared. A repeated upload
 * of the same bytes answers the same attachment (a retry); other bytes conflict (create-once blobs).
 */
async function storeSecondPhase(deps: AttachmentDeps, owner: string, pending: Attachment, body: UploadedBody): Promise<Attachment> {
  const state = uploadStateOf(pending);
  const declared = requireMimeType(state?.declared_mime_type ?? pending.mime_type);
  const checked = await checkContent(body.bytes, declared, deps.imageLimits ? { imageLimits: deps.imageLimits } : {});
  const blobName = attachmentBlobName(owner, pending.id);
  await deps.blob.put(blobName, body.bytes, {
    contentType: checked.contentType,
    metadata: { [DOWNLOAD_NAME_METADATA_KEY]: pending.name },
  });
  const ref = blobRefOf(blobName, body.bytes, checked.contentType);
  const uploaded: Attachment = { ...pending };
  // Cleared, not nulled: the record reads exactly like one that never had a pending upload.
  delete uploaded.upload_descriptor;
  const record = withUploadState(uploaded, {
    declared_size: state?.declared_size ?? null,
    declared_mime_type: declared.essence,
    stored: { bytes: ref.bytes, sha256: ref.sha256, content_type: ref.contentType },
  });
  await deps.store.saveAttachment(owner, record, ref);
  return attachmentForWire(deps, owner, record);
}
