// Attachments (docs/protocol.md §2.8): records and their upload state, content checks by magic
// bytes, upload tokens, the client's view with freshly signed previews, and attachments as model input.
export {
  attachmentBlobName,
  attachmentForWire,
  blobRefOf,
  createAttachment,
  deleteAttachment,
  itemForWire,
  newAttachmentRecord,
  previewPlaceholder,
  UPLOADS_PATH,
  uploadStateOf,
  validateAttachmentName,
  withUploadState,
  type AttachmentDeps,
  type UploadState,
} from './attachments.ts';
export {
  checkContent,
  DEFAULT_IMAGE_LIMITS,
  parseMimeType,
  requireMimeType,
  type CheckedContent,
  type ImageLimits,
  type MimeType,
} from './content-check.ts';
export { attachmentToModelInput, type AttachmentInputFile, type AttachmentInputImage, type AttachmentModelInput } from './model-input.ts';
export { assertUploadTokenSecret, signUploadToken, UPLOAD_TOKEN_HEADER, verifyUploadToken } from './upload-token.ts';
