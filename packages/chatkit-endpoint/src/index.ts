export * from './identity.ts';
export * from './json-requests.ts';
export * from './streaming-requests.ts';
export * from './sse-attach.ts';
export * from './chatkit-router.ts';
export * from './transcription.ts';
export * from './attachments/index.ts';
export { requestLogFields } from './request-span.ts';
