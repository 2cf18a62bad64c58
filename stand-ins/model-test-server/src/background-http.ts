// Background mode over HTTP: `POST /v1/responses` with `background: true`, `GET /v1/responses/{id}`
// (JSON, or SSE from `starting_after`) and `POST /v1/responses/{id}/cancel`, as the openai client
// calls them (`responses.create`, `.retrieve`, `.cancel`). Hand-written: no offline Responses server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseCreateParams } from 'openai/resources/responses/responses';
import type { BackgroundResponse } from './background.ts';
import type { ResponsesCore } from './core.ts';
import { httpFaultAnswer, invalidRequestBody } from './faults.ts';
import { HttpError, SSE_HEADERS, newRequestId, sendJson, sseChunk, writeChunk } from './http-common.ts';

const RESPONSE_PATH = /^\/(?:v1\/)?responses\/([^/]+)(\/cancel)?$/;

/** `/v1/responses/{id}` and `/v1/responses/{id}/cancel` (also without `/v1`); null for other paths. */
export function responsePath(path: string): { responseId: string; cancel: boolean } | null {
  const match = RESPONSE_PATH.exec(path);
  if (!match?.[1]) return null;
  return { responseId: decodeURIComponent(match[1]), cancel: match[2] !== undefined };
}

/**
 * A create with `background: true`. The response is generated whatever happens to this connection:
 * a stream cut (by the client or a `drop_mid_stream` fault) only stops the copy to this client, and
 * `GET …?stream=true&starting_after=<n>` picks it up. Without `stream` the queued object comes back
 * at once. `store` defaults to true in the API; only `store: false` is refused.
 */
export async function createBackgroundResponse(
  core: ResponsesCore,
  path: string,
  body: ResponseCreateParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (body.store === false) {
    // Wording ours: the API refuses this combination, we have not seen its exact message.
    throw new HttpError(400, {
      error: { message: 'Background mode requires store=true.', type: 'invalid_request_error', param: 'store', code: null },
    });
  }
  const streaming = body.stream === true;
  const admission = core.admit({
    transport: 'http',
    connectionId: core.connectionId(req.socket),
    path,
    body,
    streaming,
    generate: true,
    background: true,
  });
  const requestId = `req_${admission.responseId.slice('resp_'.length)}`;
  const fault = admission.fault;
  if (fault?.kind === 'rate_limit' || fault?.kind === 'server_error') {
    const answer = httpFaultAnswer(fault);
    return sendJson(res, answer.status, answer.body, { ...answer.headers, 'x-request-id': requestId });
  }
  const record = await admission.startBackground();
  // stuck_queued is the stream broken right after `response.created`; a drop cuts only this client.
  const dropAfter = fault?.kind === 'drop_mid_stream' ? fault.afterEvents : fault?.kind === 'stuck_queued' && streaming ? 1 : null;
  if (streaming) return pipeEvents(record, res, -1, dropAfter, requestId);
  if (dropAfter !== null) {
    // The request arrived and runs; the client only loses the answer.
    res.socket?.destroy();
    return;
  }
  sendJson(res, 200, record.snapshot(), { 'x-request-id': requestId });
}

/**
 * `GET /v1/responses/{id}`: the stored object with its current status, or with `stream=true` its
 * events after `starting_after` (all without it), then the live ones until it ends. Only background
 * responses are kept (a foreground one is not retrievable here: 404), until they expire.
 */
export async function retrieveResponse(
  core: ResponsesCore,
  responseId: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const stream = query.get('stream') === 'true';
  const rawStartingAfter = query.get('starting_after');
  const startingAfter = rawStartingAfter === null || rawStartingAfter.trim() === '' ? null : Number(rawStartingAfter);
  const valid = startingAfter === null || Number.isSafeInteger(startingAfter);
  core.record({
    kind: 'retrieve',
    id: responseId,
    transport: 'http',
    connectionId: core.connectionId(req.socket),
    path,
    body: {},
    retrieval: { stream, startingAfter: valid ? startingAfter : null },
  });
  if (!valid) {
    throw new HttpError(400, {
      error: {
        message: 'starting_after must be an integer sequence number.',
        type: 'invalid_request_error',
        param: 'starting_after',
        code: null,
      },
    });
  }
  const record = storedOr404(core, responseId);
  const requestId = newRequestId();
  if (stream) return pipeEvents(record, res, startingAfter ?? -1, null, requestId);
  record.deliveredAsJson();
  sendJson(res, 200, record.snapshot(), { 'x-request-id': requestId });
}

/**
 * `POST /v1/responses/{id}/cancel`. A queued or running background response becomes `cancelled`
 * (generation stops, its streams get `response.cancelled` and end); cancelling it again returns it
 * unchanged (the API's guide: cancelling twice is idempotent). The API refuses, with 400, a response
 * created without `background` ("Cannot cancel a synchronous response.") and a background one that
 * already finished ("Cannot cancel a completed response.", as OpenAI answered in a recorded run).
 */
export function cancelResponse(core: ResponsesCore, responseId: string, path: string, req: IncomingMessage, res: ServerResponse): void {
  core.record({ kind: 'cancel', id: responseId, transport: 'http', connectionId: core.connectionId(req.socket), path, body: {} });
  if (core.background.get(responseId) === undefined && core.isForegroundResponse(responseId)) {
    throw new HttpError(400, invalidRequestBody('Cannot cancel a synchronous response.'));
  }
  const record = storedOr404(core, responseId);
  const status = record.status;
  if (status === 'completed' || status === 'failed' || status === 'incomplete') {
    throw new HttpError(400, invalidRequestBody(`Cannot cancel a ${status} response.`));
  }
  sendJson(res, 200, record.cancel(), { 'x-request-id': newRequestId() });
}

function storedOr404(core: ResponsesCore, responseId: string): BackgroundResponse {
  const record = core.background.get(responseId);
  if (record) return record;
  // The API's wording for an unknown (or expired) response id.
  throw new HttpError(404, {
    error: { message: `Response with id '${responseId}' not found.`, type: 'invalid_request_error', param: null, code: null },
  });
}

/**
 * Streams a background response's events with `sequence_number > startingAfter`: the stored ones,
 * then each new one as it comes, and ends when the response does (terminal event, expiry, server
 * close). A waiting stream holds no timer and wakes on its response's events or its own close.
 * `dropAfter` destroys the socket after that many events (faults); the response runs on.
 */
async function pipeEvents(
  record: BackgroundResponse,
  res: ServerResponse,
  startingAfter: number,
  dropAfter: number | null,
  requestId: string,
): Promise<void> {
  if (dropAfter === 0) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': requestId });
  // The client's create/retrieve resolves on headers; a stream with nothing to send yet must not hold them back.
  res.flushHeaders();
  const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
  // frames[i] has sequence_number i, so the first event after `startingAfter` is at startingAfter + 1.
  let next = Math.max(0, startingAfter + 1);
  let sent = 0;
  for (;;) {
    while (next < record.frames.length) {
      const frame = record.frames[next++];
      if (frame === undefined) break;
      const dropNow = dropAfter !== null && sent + 1 >= dropAfter;
      if (!(await writeChunk(res, sseChunk(frame.event), dropNow))) return;
      record.delivered(frame);
      sent++;
      if (dropNow) {
        // No terminating chunk: the client sees a broken stream, not an end.
        res.socket?.destroy();
        return;
      }
    }
    if (record.ended && next >= record.frames.length) break;
    await Promise.race([record.changed(), gone]);
    if (res.destroyed) return;
  }
  res.end();
}
