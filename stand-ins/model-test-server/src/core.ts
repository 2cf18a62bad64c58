// The transport-neutral heart of the model test server: admits a create request (log, fault choice,
// user text) and hands back its scripted frames. Hand-written: no offline Responses API server.
import type { ResponseCreateParams } from 'openai/resources/responses/responses';
import { FaultQueue, faultFromMarker } from './faults.ts';
import type { Fault } from './faults.ts';
import { lastUserText } from './flows/request.ts';
import { newId, responseFlow } from './flows/response-flow.ts';
import type { FlowFrame, FlowSettings } from './flows/response-flow.ts';
import { appendBounded, type CompletedResponse, type RecordedRequest, type SentImage } from './request-log.ts';

/** How many response ids keep their user text for `previous_response_id` continuations. */
const REMEMBERED_RESPONSES = 10_000;

export interface Admission {
  responseId: string;
  /** The fault this request must suffer, if any: a queued one first, else a marker in the text. */
  fault: Fault | null;
  frames(): AsyncGenerator<FlowFrame, void, undefined>;
}

export interface AdmitOptions {
  transport: RecordedRequest['transport'];
  connectionId: number;
  path: string;
  body: ResponseCreateParams;
  streaming: boolean;
  generate: boolean;
}

export class ResponsesCore {
  readonly requests: RecordedRequest[] = [];
  readonly sentImages: SentImage[] = [];
  readonly completedResponses: CompletedResponse[] = [];
  readonly faults = new FaultQueue();
  #settings: FlowSettings;
  readonly #maxRecorded: number;
  readonly #userTextByResponse = new Map<string, string | null>();
  readonly #connectionIds = new WeakMap<object, number>();
  #connections = 0;

  constructor(settings: FlowSettings, maxRecorded: number) {
    this.#settings = settings;
    this.#maxRecorded = maxRecorded;
  }

  admit(options: AdmitOptions): Admission {
    const responseId = newId('resp');
    appendBounded(
      this.requests,
      {
        id: responseId,
        transport: options.transport,
        connectionId: options.connectionId,
        path: options.path,
        body: options.body,
        receivedAt: Date.now(),
      },
      this.#maxRecorded,
    );
    const userText = this.#userText(options.body);
    this.#remember(responseId, userText);
    const fault = this.faults.take() ?? (userText === null ? null : faultFromMarker(userText));
    const request = {
      responseId,
      body: options.body,
      streaming: options.streaming,
      generate: options.generate,
      userText,
    };
    return { responseId, fault, frames: () => responseFlow(request, this.#settings) };
  }

  /** The settings of later requests (answers already started keep theirs). */
  get settings(): Readonly<FlowSettings> {
    return this.#settings;
  }

  /** Changes the settings of requests admitted from now on (benchmarks switch sizes between phases). */
  configure(patch: Partial<Pick<FlowSettings, 'deltaDelayMs' | 'textDeltas' | 'stamp'>>): void {
    this.#settings = { ...this.#settings, ...patch };
  }

  /** A stable number for a TCP socket; an HTTP request and a WebSocket upgrade share their socket's. */
  connectionId(socket: object): number {
    let id = this.#connectionIds.get(socket);
    if (id === undefined) {
      id = ++this.#connections;
      this.#connectionIds.set(socket, id);
    }
    return id;
  }

  /** Called by a transport once a frame has been written, so `sentImages` lists only what left. */
  sent(frame: FlowFrame): void {
    if (frame.image) appendBounded(this.sentImages, frame.image, this.#maxRecorded);
    if (frame.event.type === 'response.completed' && frame.event.response.usage) {
      appendBounded(this.completedResponses, { id: frame.event.response.id, usage: frame.event.response.usage }, this.#maxRecorded);
    }
  }

  /**
   * A continuation (`previous_response_id`) often carries only tool outputs: the user text then
   * comes from the response it continues, as the real API would see it in its stored context.
   */
  #userText(body: ResponseCreateParams): string | null {
    const own = lastUserText(body);
    if (own !== null) return own;
    const previous = body.previous_response_id;
    return previous ? (this.#userTextByResponse.get(previous) ?? null) : null;
  }

  #remember(responseId: string, userText: string | null): void {
    this.#userTextByResponse.set(responseId, userText);
    if (this.#userTextByResponse.size > REMEMBERED_RESPONSES) {
      const oldest = this.#userTextByResponse.keys().next();
      if (!oldest.done) this.#userTextByResponse.delete(oldest.value);
    }
  }
}
