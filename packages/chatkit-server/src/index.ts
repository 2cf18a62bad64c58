// @switchyard/chatkit-server: the 16 ChatKit requests and a run's whole life — reserve, start,
// process, end — with no transport and no model SDK. Adapters (HTTP) and workers (BullMQ) call in.
export { endAbandonedRun, type AbandonedRunResult } from './end-abandoned-run.ts';
export { ChatKitServer, type ChatKitServerDeps, type HandledRequest } from './chatkit-server.ts';
export { ImageIngestTimeout, InvalidRunPlan, RunCancelled, RunHandedOff } from './errors.ts';
export { prepareImageHandoff, type ImageHandoffDeps, type ImageHandoffInput } from './process-run/image-handoff.ts';
export { processRun, readRunPlan, type ProcessResult, type ProcessRunDeps, type ProcessRunOptions } from './process-run/process-run.ts';
export { handleJsonRequest, type JsonRequestDeps } from './requests/json-requests.ts';
export { answerStructuredInput, type StructuredInputItem } from './requests/structured-input.ts';
export { transcribe } from './requests/transcription.ts';
export { parseRunPlan, runPlanSchema, type RunPlan, type RunPlanOf, type RunRequest } from './run-plan.ts';
export { RunReservation, type ReservationKey } from './run-reservation.ts';
export { DEFAULT_RUN_CHECK_INTERVAL_MS, RunWatchdog, type RunCheck, type RunWatchdogDeps } from './run-watchdog.ts';
export { startRun, type StartedRun, type StartRunDeps } from './start-run/start-run.ts';
