// The Responses WebSocket mode of the model test server: `response.create` messages on a socket at
// /v1/responses, answered with the same typed events. Hand-written: no offline Responses server.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  ResponseStreamEvent,
  ResponsesServerEvent,
  ResponseSteerFailedEvent,
  ResponseSteerInput,
} from 'openai/resources/responses/responses';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { ResponsesCore } from './core.ts';
import { wsFaultEvent, wsInvalidRequestEvent } from './faults.ts';
import { isCreateParams, wsEnvelope } from './flows/request.ts';

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const RESPONSES_PATHS = new Set(['/v1/responses', '/responses']);
/** Past this much unsent data a socket waits for the kernel before the next event. */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface WebSocketMode {
  /** Terminates every open socket (their running answers stop) and the upgrade handling. */
  close(): void;
}

/**
 * Serves WebSocket mode on `server`'s upgrade path. One socket answers responses one after another
 * per `stream_id` lane (FIFO, like the API; requests without one share the default lane) while
 * different lanes run concurrently and echo their `stream_id` on every event.
 */
export function attachWebSocketMode(server: Server, core: ResponsesCore): WebSocketMode {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!RESPONSES_PATHS.has(path)) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const connectionId = core.connectionId(socket);
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, { path, connectionId }, core));
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

interface SocketInfo {
  path: string;
  connectionId: number;
}

function serveSocket(ws: WebSocket, info: SocketInfo, core: ResponsesCore): void {
  const lanes = new Map<string, Promise<void>>();
  ws.on('error', () => {
    // A client vanishing mid-answer is routine; answers stop once readyState leaves OPEN.
  });
  ws.on('message', (data, isBinary) => {
    const message = parseMessage(data, isBinary);
    if (message === null) {
      send(ws, wsInvalidRequestEvent('Messages must be JSON objects with a string `type`.', 'invalid_json', undefined));
      return;
    }
    const { streamId } = wsEnvelope(message);
    const type: unknown = Reflect.get(message, 'type');
    if (type === 'response.steer') {
      send(ws, steerRefusal(message));
      return;
    }
    if (type !== 'response.create') {
      send(ws, wsInvalidRequestEvent(`Unsupported event type ${JSON.stringify(type)}.`, 'unknown_event_type', streamId));
      return;
    }
    const lane = streamId ?? '';
    const previous = lanes.get(lane) ?? Promise.resolve();
    // A failed answer must not wedge its lane: the socket is dropped, as a broken server would.
    const next = previous.then(() => answerCreate(ws, info, core, message)).catch(() => ws.terminate());
    lanes.set(lane, next);
    void next.finally(() => {
      if (lanes.get(lane) === next) lanes.delete(lane);
    });
  });
}

async function answerCreate(ws: WebSocket, info: SocketInfo, core: ResponsesCore, message: object): Promise<void> {
  if (ws.readyState !== ws.OPEN) return;
  const { streamId, generate } = wsEnvelope(message);
  if (!isCreateParams(message)) {
    send(ws, wsInvalidRequestEvent('`input` must be a string or a list.', 'invalid_request', streamId));
    return;
  }
  if (Reflect.get(message, 'background') === true) {
    // The API documents `background` as unsupported over WebSocket (background-http.ts serves it).
    send(ws, wsInvalidRequestEvent('`background` is not supported over WebSocket; use HTTP.', 'unsupported_parameter', streamId));
    return;
  }
  // The whole message is the request body, recorded verbatim (envelope fields included).
  const admission = core.admit({ transport: 'websocket', ...info, body: message, streaming: true, generate });
  const fault = admission.fault;
  if (fault?.kind === 'rate_limit' || fault?.kind === 'server_error') {
    send(ws, wsFaultEvent(fault, streamId));
    return;
  }
  const dropAfter = fault?.kind === 'drop_mid_stream' ? fault.afterEvents : null;
  if (dropAfter === 0) {
    ws.terminate();
    return;
  }
  let sent = 0;
  for await (const frame of admission.frames()) {
    if (ws.readyState !== ws.OPEN) return;
    const dropNow = dropAfter !== null && sent + 1 >= dropAfter;
    const delivered = await sendAndWait(ws, onLane(frame.event, streamId), dropNow);
    if (!delivered) return;
    core.sent(frame);
    sent++;
    if (dropNow) {
      // No close frame: the client sees the connection die mid-response, as on a network fault.
      ws.terminate();
      return;
    }
  }
}

/**
 * The WebSocket variant of a stream event: the same payload plus the lane id when the request named
 * one. Spreading keeps each variant's type, so the result is checked against ResponsesServerEvent.
 */
function onLane(event: ResponseStreamEvent, streamId: string | undefined): ResponsesServerEvent {
  return streamId === undefined ? event : { ...event, stream_id: streamId };
}

function steerRefusal(message: object): ResponseSteerFailedEvent {
  const input: unknown = Reflect.get(message, 'input');
  const previous: unknown = Reflect.get(message, 'previous_response_id');
  return {
    type: 'response.steer.failed',
    sequence_number: 0,
    error: {
      type: 'invalid_request_error',
      code: 'steering_not_supported',
      message: 'The model test server does not support steering.',
    },
    steer: {
      input: isSteerInput(input) ? input : '',
      previous_response_id: typeof previous === 'string' ? previous : '',
    },
  };
}

function isSteerInput(value: unknown): value is ResponseSteerInput {
  return typeof value === 'string' || Array.isArray(value);
}

function parseMessage(data: RawData, isBinary: boolean): object | null {
  if (isBinary) return null;
  const text = Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.from(new Uint8Array(data)).toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    return typeof Reflect.get(parsed, 'type') === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

function send(ws: WebSocket, event: ResponsesServerEvent | ResponseSteerFailedEvent): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
}

/**
 * Sends one event. Waits for the kernel only before a deliberate drop (so the events before it
 * really arrive) or when too much is buffered (multi-MB image frames); false once the socket closed.
 */
function sendAndWait(ws: WebSocket, event: ResponsesServerEvent, flush: boolean): Promise<boolean> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve(false);
  const payload = JSON.stringify(event);
  if (!flush && ws.bufferedAmount < HIGH_WATER_BYTES) {
    ws.send(payload);
    return Promise.resolve(true);
  }
  return new Promise((resolve) => ws.send(payload, (error) => resolve(!error)));
}
