// Public entry of @switchyard/blob: the blob store contract, its GCS and local drivers, object
// naming, and the gateway route that serves local files through signed URLs.

export { MAX_SIGNED_URL_SECONDS, SHA256_METADATA_KEY } from './blob-store.ts';
export type { BlobStat, BlobStore, PutOptions, PutResult } from './blob-store.ts';
export { createGcsBlobStore } from './gcs-blob-store.ts';
export type { GcsBlobStoreOptions } from './gcs-blob-store.ts';
export { createLocalBlobStore } from './local-blob-store.ts';
export type { LocalBlobStoreOptions } from './local-blob-store.ts';
export { createLocalFilesRouter, DOWNLOAD_NAME_METADATA_KEY } from './local-files-router.ts';
export type { LocalFilesRouterOptions } from './local-files-router.ts';
export { assertValidObjectName, attachmentObjectName, imageObjectName } from './object-names.ts';
export { localFileSignature, signLocalFileUrl, verifyLocalFileUrl } from './url-signing.ts';
export type { LocalFileUrlCheck } from './url-signing.ts';
