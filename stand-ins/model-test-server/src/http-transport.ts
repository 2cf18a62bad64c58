// The HTTP side of the model test server: `POST /v1/responses` as SSE or JSON exactly as the openai
// client parses it, background mode's retrieve and cancel (background-http.ts), plus the
// `/__control` routes. Hand-written: no offline Responses API server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cancelResponse, createBackgroundResponse, responsePath, retrieveResponse } from './background-http.ts';
import type { Admission, ResponsesCore, SettingsPatch } from './core.ts';
import { httpFaultAnswer, invalidRequestBody, parseFault } from './faults.ts';
import { isCreateParams } from './flows/request.ts';
import type { FlowFrame } from './flows/response-flow.ts';
import { HttpError, SSE_HEADERS, sendJson, sseChunk, writeChunk } from './http-common.ts';
import { handleTranscription, TRANSCRIPTION_PATHS, type TranscriptionLog } from './transcriptions.ts';

/** Inputs can carry images as data URLs; allow bodies well past what the SDKs send in tests. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const RESPONSES_PATHS = new Set(['/v1/responses', '/responses']);

export function createHttpHandler(
  core: ResponsesCore,
  transcriptions?: TranscriptionLog,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handled = transcriptions && TRANSCRIPTION_PATHS.has(path) ? handleTranscription(transcriptions, req, res) : route(core, req, res);
    handled.catch((error: unknown) => {
      const answer =
        error instanceof HttpError
          ? error
          : new HttpError(500, { error: { message: String(error), type: 'server_error', param: null, code: null } });
      if (!res.headersSent) sendJson(res, answer.status, answer.body);
      else res.destroy();
    });
  };
}

async function route(core: ResponsesCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (RESPONSES_PATHS.has(path)) {
    if (req.method !== 'POST') throw new HttpError(405, invalidRequestBody(`Use POST for ${path}.`));
    return createResponse(core, path, req, res);
  }
  const stored = responsePath(path);
  if (stored?.cancel && req.method === 'POST') return cancelResponse(core, stored.responseId, path, req, res);
  if (stored && !stored.cancel && req.method === 'GET') return retrieveResponse(core, stored.responseId, path, req, res);
  if (path === '/__control/faults' && req.method === 'POST') {
    const fault = parseFault(await readJson(req));
    if (!fault) {
      throw new HttpError(
        400,
        invalidRequestBody('Expected a Fault: {kind: rate_limit|server_error|drop_mid_stream|stuck_queued|stall_mid_stream, …}.'),
      );
    }
    return sendJson(res, 200, { queued: core.faults.push(fault) });
  }
  if (path === '/__control/faults' && req.method === 'DELETE') {
    core.faults.clear();
    return sendJson(res, 200, { queued: 0 });
  }
  if (path === '/__control/settings' && req.method === 'POST') {
    const settings = parseSettings(await readJson(req));
    if (!settings) {
      throw new HttpError(
        400,
        invalidRequestBody('Expected {deltaDelayMs?: number ≥ 0, textDeltas?: number ≥ 1, stamp?: boolean, backgroundTtlMs?: number > 0}.'),
      );
    }
    core.configure(settings);
    return sendJson(res, 200, core.settings);
  }
  if (path === '/__control/requests' && req.method === 'GET') return sendJson(res, 200, core.requests);
  if (path === '/__control/images' && req.method === 'GET') return sendJson(res, 200, core.sentImages);
  throw new HttpError(404, invalidRequestBody(`Unknown route ${req.method ?? 'GET'} ${path}.`, 'not_found'));
}

async function createResponse(core: ResponsesCore, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (!isCreateParams(body)) throw new HttpError(400, invalidRequestBody('Expected a JSON object with `input` a string or a list.'));
  if (body.background === true) return createBackgroundResponse(core, path, body, req, res);
  const streaming = body.stream === true;
  const connectionId = core.connectionId(req.socket);
  const admission = core.admit({ transport: 'http', connectionId, path, body, streaming, generate: true });
  const requestId = `req_${admission.responseId.slice('resp_'.length)}`;
  const fault = admission.fault;
  if (fault?.kind === 'rate_limit' || fault?.kind === 'server_error') {
    const answer = httpFaultAnswer(fault);
    return sendJson(res, answer.status, answer.body, { ...answer.headers, 'x-request-id': requestId });
  }
  const dropAfter = fault?.kind === 'drop_mid_stream' ? fault.afterEvents : null;
  if (streaming) return streamSse(core, admission, res, requestId, dropAfter);
  if (dropAfter !== null) {
    // A JSON answer has no events to let through: the connection dies before any byte.
    res.socket?.destroy();
    return;
  }
  const frames: FlowFrame[] = [];
  for await (const frame of admission.frames()) frames.push(frame);
  const last = frames.at(-1)?.event;
  if (last?.type !== 'response.completed') throw new Error('scripted flow ended without response.completed');
  sendJson(res, 200, last.response, { 'x-request-id': requestId });
  for (const frame of frames) core.sent(frame);
}

async function streamSse(
  core: ResponsesCore,
  admission: Admission,
  res: ServerResponse,
  requestId: string,
  dropAfter: number | null,
): Promise<void> {
  if (dropAfter === 0) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': requestId });
  let sent = 0;
  // `for await` calls the flow's return() on every exit, so an abandoned answer stops generating.
  for await (const frame of admission.frames()) {
    if (res.destroyed) return;
    const dropNow = dropAfter !== null && sent + 1 >= dropAfter;
    const written = await writeChunk(res, sseChunk(frame.event), dropNow);
    if (!written) return;
    core.sent(frame);
    sent++;
    if (dropNow) {
      // Destroy the socket (no terminating chunk) so the client sees a broken stream, not an end.
      res.socket?.destroy();
      return;
    }
  }
  res.end();
}

/** The body of `POST /__control/settings`, or null when a field is missing its type or range. */
function parseSettings(body: unknown): SettingsPatch | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { deltaDelayMs, textDeltas, stamp, backgroundTtlMs } = body as Record<string, unknown>;
  const out: SettingsPatch = {};
  if (deltaDelayMs !== undefined) {
    if (typeof deltaDelayMs !== 'number' || !Number.isFinite(deltaDelayMs) || deltaDelayMs < 0) return null;
    out.deltaDelayMs = deltaDelayMs;
  }
  if (textDeltas !== undefined) {
    if (typeof textDeltas !== 'number' || !Number.isInteger(textDeltas) || textDeltas < 1) return null;
    out.textDeltas = textDeltas;
  }
  if (stamp !== undefined) {
    if (typeof stamp !== 'boolean') return null;
    out.stamp = stamp;
  }
  if (backgroundTtlMs !== undefined) {
    if (typeof backgroundTtlMs !== 'number' || !Number.isFinite(backgroundTtlMs) || backgroundTtlMs <= 0) return null;
    out.backgroundTtlMs = backgroundTtlMs;
  }
  return out;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, invalidRequestBody('Request body too large.', 'body_too_large'));
    chunks.push(buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return parsed;
  } catch {
    throw new HttpError(400, invalidRequestBody('The body is not valid JSON.', 'invalid_json'));
  }
}
