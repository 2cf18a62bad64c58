// Public surface of @switchyard/model-test-server: an offline OpenAI Responses API (HTTP SSE/JSON and
// WebSocket mode) for tests and `npm start`. Hand-written: no package provides one that runs offline.
export { startModelTestServer } from './server.ts';
export type { ModelTestServer, ModelTestServerOptions, ModelTestServerSettings } from './server.ts';
export { parseStamps, stampClockMs, stampText } from './stamp.ts';
export type { CompletedResponse, RecordedRequest, SentImage } from './request-log.ts';
export type { BackgroundFault, Fault } from './faults.ts';
export type { BackgroundEvent, ResponseCancelledEvent } from './background.ts';
export { transcriptText } from './transcriptions.ts';
export type { RecordedTranscription } from './transcriptions.ts';
export { faultFromMarker, parseFault } from './faults.ts';
export { itemImage, pngDeclaring, renderNoisePng } from './png.ts';
export type { RenderedPng } from './png.ts';
export { drawScene, sceneFor } from './scene.ts';
export type { Raster, Scene } from './scene.ts';
export { IMAGE_CAPTION, answerText, splitDeltas } from './flows/text.ts';
export { flowProblemText, functionResultText } from './flows/text.ts';
export { flowPlan } from './flows/markers.ts';
export { MAX_TITLE_WORDS, titleFromText, titleSubject } from './flows/title.ts';
export type { FlowBody, FlowPlan } from './flows/markers.ts';
export { planItems } from './flows/response-flow.ts';
export {
  ANNOTATIONS,
  GOLDEN_20_TEXT_ANNOTATIONS,
  GOLDEN_21_REASONING_ANSWER,
  GOLDEN_22_REASONING_ONLY,
  GOLDEN_25_PARTIAL,
  NAMED_SCRIPTS,
  REASONING,
} from './flows/scripts.ts';
export type { ItemScript, MessageScript, OutputTextAnnotation, PartScript, ReasoningScript } from './flows/scripts.ts';
export { installWebSocketGlobal } from './websocket-global.ts';
