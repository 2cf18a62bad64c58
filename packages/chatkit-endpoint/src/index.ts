// @switchyard/chatkit-endpoint: the express adapter of @switchyard/chatkit-server — the `/chatkit`
// router, SSE attach and re-attach, the upload routes, and the request's identity and span.
export { createChatKitRouter, type ChatKitRouterDeps, type DisconnectPolicy } from './chatkit-router.ts';
export { jsonErrorHandler, jsonNotFound, sendError } from './error-answer.ts';
export { ownerOf } from './identity.ts';
export { requestLogFields } from './request-span.ts';
export { attachSse, RUN_ID_HEADER, SseStreams, type SseAttachOptions } from './sse-attach.ts';
export { createUploadRouter, type UploadRouterDeps } from './upload-router.ts';
