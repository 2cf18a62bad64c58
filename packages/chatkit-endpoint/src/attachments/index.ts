// Attachments end to end: `attachments.create`/`delete`, the direct and two-phase upload routes,
// the client's view with freshly signed preview URLs, and attachments as model input.
export {
  attachmentBlobName,
  attachmentForWire,
  createAttachment,
  deleteAttachment,
  itemForWire,
  previewPlaceholder,
  UPLOADS_PATH,
  uploadStateOf,
  type AttachmentDeps,
  type UploadState,
} from './attachments.ts';
export { checkContent, parseMimeType, type CheckedContent, type MimeType } from './content-check.ts';
export { attachmentToModelInput, type AttachmentInputFile, type AttachmentInputImage, type AttachmentModelInput } from './model-input.ts';
export { createUploadRouter, type UploadRouterDeps } from './upload-router.ts';
export { UPLOAD_TOKEN_HEADER } from './upload-token.ts';
